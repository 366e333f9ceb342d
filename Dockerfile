# One image for every service of the workspace (router, each subgraph, the migration job);
# docker-compose.yml picks the command per service. Node 24 runs the TypeScript sources
# directly (type stripping), so there is no build step beyond generated code.
FROM node:24-slim

# pnpm 10 from npm (corepack fails here on package signatures, ARCHITECTURE.md §1). pnpm switches
# itself to the exact version in package.json's "packageManager" field.
RUN npm install -g pnpm@10

WORKDIR /app

# Manifests first, so the dependency layer is rebuilt only when they change. Every workspace
# package's package.json must be listed (tests/deploy/compose.test.ts checks this).
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
COPY router/package.json router/
COPY subgraphs/kit/package.json subgraphs/kit/
COPY subgraphs/users/package.json subgraphs/users/
COPY subgraphs/catalog/package.json subgraphs/catalog/
COPY subgraphs/library/package.json subgraphs/library/
COPY subgraphs/notifications/package.json subgraphs/notifications/
COPY subgraphs/metrics/package.json subgraphs/metrics/
# Dev dependencies included: prisma and graphql-codegen generate code below, and the migration
# job drives Prisma's WebAssembly schema engine (a dev dependency). Install scripts stay off
# except where pnpm-workspace.yaml allows them, so no native Prisma engine is downloaded.
RUN pnpm install --frozen-lockfile
# ffprobe's own install script makes it executable for its owner (root) only; services run as
# `node` (below).
RUN find node_modules/.pnpm -path '*/@ffprobe-installer/linux-x64/ffprobe' -exec chmod a+x {} +

COPY . .
# Prisma clients (offline, prisma.config.ts) and resolver types; both are gitignored.
RUN node scripts/generate.ts

# Services run unprivileged; the only folder they write is the catalog's media (MEDIA_DIR, a
# volume in docker-compose.yml), created here so the volume starts owned by `node`.
RUN mkdir -p /var/lib/melodi/media && chown node:node /var/lib/melodi/media
USER node
ENV HOST=0.0.0.0
CMD ["node", "router/src/main.ts"]
