#!/usr/bin/env node
// dist/main.js is the bundled entry (see scripts/bundle.mjs): oclif and the shared code load as one chunk.
const {main} = await import('../dist/main.js')
await main(import.meta.url)
