/**
 * The `yaml` package, loaded on the first call, not when a module that imports this one loads: a plain kfp.yaml or
 * --params-file is read by js-yaml (core/yaml-fast.ts), and the `yaml` package is only needed for a Document (a
 * position, an error, unusual YAML). Synchronous, so readers stay sync. Like core/js-yaml.ts for js-yaml.
 */
import {createRequire} from 'node:module'

type Yaml = typeof import('yaml')
let lib: Yaml | undefined

export function yamlLib(): Yaml {
  // In the bundle (scripts/bundle.mjs) esbuild turns this `require` into its bundled copy of `yaml`, evaluated on
  // this first call and shared with the modules that import `yaml` statically (one copy: one set of node classes).
  // From source (tsx: the tests) an ES module has no `require`, and Node's loader shares the copy in node_modules.
  return (lib ??= typeof require === 'function' ? (require('yaml') as Yaml) : (createRequire(import.meta.url)('yaml') as Yaml))
}
