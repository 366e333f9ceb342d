#!/bin/sh
# Stands in for Prisma's native schema engine, which cannot be downloaded here (ARCHITECTURE.md §1).
# `prisma generate` only checks that this file exists; migrations go through `pnpm db:migrate`
# and `pnpm db:diff`, which drive the WebAssembly schema engine.
echo "The native Prisma schema engine is not installed: use pnpm db:migrate / pnpm db:diff." >&2
exit 1
