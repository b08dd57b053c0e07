// `--params-file FILE` (local and server runs): a YAML or JSON mapping of parameter names to values. Every problem
// is a usage error (exit 2) naming the file, with line and column for YAML problems (syntax, alias bombs,
// unresolved aliases, absurd nesting: see core/yaml-safe.ts). A plain mapping is read fast by js-yaml, as kfp.yaml is
// (core/yaml-fast.ts, which answers only where the `yaml` package gives the same value without an error); the `yaml`
// package reads everything else, and locates every key and every error.
import {readFile} from 'node:fs/promises'
import path from 'node:path'
import type {Document, LineCounter} from 'yaml'
import {plainYamlValue} from '../../core/yaml-fast.js'
import {yamlLib} from '../../core/yaml-lib.js'
import {findDuplicateKey, toJsSafely, yamlErrorText} from '../../core/yaml-safe.js'
import type {JsonValue} from '../../core/project/types.js'
import {CliError, EXIT} from '../../lib/errors.js'

const HINT = 'A params file is a mapping, e.g. `startYear: 2001` (YAML) or {"startYear": 2001} (JSON).'

/** A params file's values, and where each came from (`file:line:col` of its key; JSON is located the same way). */
export interface ParamsFile {
  values: Record<string, JsonValue>
  origin: (name: string) => string
}

export async function readParamsFile(file: string, cwd: string): Promise<ParamsFile> {
  let text: string
  try {
    text = await readFile(path.resolve(cwd, file), 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new CliError('FILE_NOT_FOUND', code === 'ENOENT' ? `No params file at ${file}.` : `Cannot read the params file ${file}: ${(err as Error).message}`, {exit: EXIT.USAGE})
  }
  return paramsFromText(file, text)
}

/**
 * The params in `text` (the file `file`): a plain mapping read fast, its keys located by the `yaml` package only when
 * a message asks for one; anything else as {@link paramsFromTextExactly} reads it (the same values, the same errors).
 */
export function paramsFromText(file: string, text: string): ParamsFile {
  const fast = plainYamlValue(text)
  if (!fast) return paramsFromTextExactly(file, text)
  let origin: ParamsFile['origin'] | undefined
  return {values: fast as Record<string, JsonValue>, origin: (name) => (origin ??= paramsFromTextExactly(file, text).origin)(name)}
}

/** The params in `text` as the `yaml` package reads them: every problem a usage error at file:line:col. */
export function paramsFromTextExactly(file: string, text: string): ParamsFile {
  const {LineCounter, parseDocument} = yamlLib()
  const parse = (uniqueKeys: boolean) => {
    const lines = new LineCounter()
    return {lines, doc: parseDocument(text, {lineCounter: lines, prettyErrors: false, uniqueKeys})}
  }
  // The yaml package's uniqueKeys check compares every key of a mapping with every other (quadratic: 4.5 s for 20,000
  // keys). Where findDuplicateKey (linear, and it flags every pair of equal scalar keys, all that check flags) finds
  // none in a document without errors, that check has nothing to add: the document is the same. Anything else is
  // parsed again with it, for its errors, in its order.
  let {lines, doc} = parse(false)
  if (doc.errors.length || findDuplicateKey(doc)) ({lines, doc} = parse(true))
  const located = (pos: {line: number; col: number}, message: string) =>
    new CliError('YAML_SYNTAX', `${file}:${pos.line}:${pos.col}: ${message}`, {exit: EXIT.USAGE, hints: [HINT]})
  if (doc.errors.length) {
    const e = doc.errors[0]
    throw located(lines.linePos(e.pos[0]), yamlErrorText(e.message))
  }
  const js = toJsSafely(doc, lines)
  if (!js.ok) throw located(js.problem, js.problem.message)
  const v = js.value
  if (v === null || v === undefined) return {values: {}, origin: () => file}
  if (typeof v !== 'object' || Array.isArray(v))
    throw new CliError('PARAM_INVALID', `${file} must hold a mapping of parameter names to values.`, {exit: EXIT.USAGE, hints: [HINT]})
  return {values: v as Record<string, JsonValue>, origin: originsOf(doc, lines, file)}
}

/** `file:line:col` of each top-level key, looked up when asked (only for a message). */
function originsOf(doc: Document.Parsed, lines: LineCounter, file: string): (name: string) => string {
  const {isMap, isScalar} = yamlLib()
  return (name) => {
    const pair = isMap(doc.contents) ? doc.contents.items.find((p) => (isScalar(p.key) ? String(p.key.value) : undefined) === name) : undefined
    const node = pair?.key as {range?: [number, number, number]} | undefined
    if (!node?.range) return file
    const pos = lines.linePos(node.range[0])
    return `${file}:${pos.line}:${pos.col}`
  }
}
