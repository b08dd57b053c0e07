import type {Document, LineCounter, Node, Pair, YAMLMap} from 'yaml'
import {yamlLib} from '../yaml-lib.js'
import {plainYamlValue} from '../yaml-fast.js'
import {findDuplicateKey, toJsSafely, yamlErrorText} from '../yaml-safe.js'
import type {ProjectIssue, SourcePos} from './types.js'

/** A path into a parsed YAML value: map keys and sequence indexes. */
export type YamlPath = ReadonlyArray<string | number>

/** A parsed YAML file with what is needed to point at places in it. */
export interface YamlFile {
  file: string
  /** The `yaml` package's document: parsed on first use when the value came from the fast read (core/yaml-fast.ts). */
  readonly doc: Document.Parsed
  readonly lines: LineCounter
  /** The plain JS value (undefined for an empty file). */
  data: unknown
}

export type YamlParse = {yaml?: YamlFile; issues: ProjectIssue[]}

/** The `yaml` package's read of a file that was read fast instead (see parseYamlFile), parsed on first use. */
const exactReads = new WeakMap<YamlFile, {read: () => YamlParse; done: () => boolean}>()

/**
 * Parses YAML text. Returns the file (when there is no syntax error) or the syntax errors as located issues.
 * Duplicate keys are syntax errors.
 *
 * A plain document (core/yaml-fast.ts says which) is read with js-yaml, ten times faster, to exactly the value the
 * `yaml` package gives; its `yaml` Document (for positionOf) is then parsed only when a position is asked for. A
 * caller that found issues in such a file checks it again with {@link checkedExactly}, so that every issue comes from
 * the `yaml` package's read, as it would without the fast read.
 */
export function parseYamlFile(file: string, text: string): YamlParse {
  const data = plainYamlValue(text)
  if (data === undefined || referencesWithoutDollar(file, text).length) return parseYamlFileExactly(file, text)
  let exact: ReturnType<typeof parseExactly> | undefined
  const read = () => (exact ??= parseExactly(file, text))
  const y: YamlFile = {
    file,
    data,
    get doc() {
      return read().doc
    },
    get lines() {
      return read().lines
    },
  }
  exactReads.set(y, {read: () => read().result, done: () => exact !== undefined})
  return {yaml: y, issues: []}
}

/** parseYamlFile with the `yaml` package only (what parseYamlFile's answer always equals). */
export function parseYamlFileExactly(file: string, text: string): YamlParse {
  return parseExactly(file, text).result
}

/** How `y` was read: by the `yaml` package, fast (no Document yet), or fast and then parsed for a position. */
export function howRead(y: YamlFile): 'yaml' | 'fast' | 'fast, then yaml' {
  const exact = exactReads.get(y)
  return !exact ? 'yaml' : exact.done() ? 'fast, then yaml' : 'fast'
}

/**
 * `check(parsed)`; when that finds issues in a fast read, `check` again on the `yaml` package's read of the same text
 * (reusing the Document the positions of the first issues parsed), so every issue is what it is without the fast read.
 */
export function checkedExactly<R extends {issues: unknown[]}>(parsed: YamlParse, check: (parsed: YamlParse) => R): R {
  const r = check(parsed)
  const exact = r.issues.length > 0 && parsed.yaml ? exactReads.get(parsed.yaml) : undefined
  return exact ? check(exact.read()) : r
}

/** The `yaml` package's read: the Document (with errors or not), and the file or the located syntax issues. */
function parseExactly(file: string, text: string): {doc: Document.Parsed; lines: LineCounter; result: YamlParse} {
  const {LineCounter, parseDocument} = yamlLib()
  const lines = new LineCounter()
  // Duplicate keys are checked by findDuplicateKey (linear) instead of the library's quadratic uniqueKeys.
  const doc = parseDocument(text, {lineCounter: lines, prettyErrors: false, uniqueKeys: false})
  return {doc, lines, result: syntaxChecked(file, text, doc, lines)}
}

function syntaxChecked(file: string, text: string, doc: Document.Parsed, lines: LineCounter): YamlParse {
  const dup = doc.errors.length === 0 ? findDuplicateKey(doc) : undefined
  if (dup) {
    const pos = lines.linePos(dup.range?.[0] ?? 0)
    return {issues: [{file, line: pos.line, col: pos.col, message: 'YAML syntax error: map keys must be unique', hint: 'Each key may appear only once in a mapping; remove or rename one of them.', code: 'YAML_SYNTAX'}]}
  }
  if (doc.errors.length > 0) {
    // A stack overflow in the parser is reported once per level it unwinds: one is enough.
    const nested = doc.errors.find((e) => /call stack/i.test(e.message))
    // A tab in the indentation derails the parser for the lines after it: report the tabs, not what follows.
    const tabs = doc.errors.filter((e) => /tabs? (are|is) not allowed/i.test(e.message))
    const tabLines = new Set<number>()
    const shown = nested ? [nested] : tabs.length ? tabs.filter((e) => !tabLines.has(lines.linePos(e.pos[0]).line) && tabLines.add(lines.linePos(e.pos[0]).line)) : doc.errors
    const issues = shown.map((e): ProjectIssue => {
      const pos = lines.linePos(e.pos[0])
      const lineText = text.split(/\r?\n/)[pos.line - 1] ?? ''
      const issue: ProjectIssue = {file, line: pos.line, col: pos.col, message: yamlMessage(e.message), code: 'YAML_SYNTAX'}
      if (/\$\{\{/.test(lineText) && /[{[]/.test(lineText.replace(/\$\{\{[^}]*\}\}/g, ''))) {
        issue.hint = 'Quote values that contain ${{ … }} inside { } or [ ], e.g. {bucket: "${{ params.bucket }}"}'
      } else if (tabs.length) {
        issue.hint = 'Indent with spaces: YAML does not allow tabs.'
      } else if (e.code === 'DUPLICATE_KEY') {
        issue.hint = 'Each key may appear only once in a mapping; remove or rename one of them.'
      } else if (e.code === 'BAD_INDENT' || e.code === 'MISSING_CHAR' || e.code === 'BLOCK_AS_IMPLICIT_KEY') {
        issue.hint = 'Check the indentation and the ":" after each key.'
      }
      return issue
    })
    return {issues}
  }
  // `{{ params.x }}` without its `$`: unquoted, YAML reads it as a map with a map for a key (and the yaml library
  // warns on the console when making it JS); quoted, as a plain string. Either way the user meant ${{ params.x }}.
  const missingDollar = referencesWithoutDollar(file, text)
  if (missingDollar.length) return {issues: missingDollar}
  // Alias bombs, unresolved aliases and absurd nesting are located problems, not exceptions (see core/yaml-safe.ts).
  const js = toJsSafely(doc, lines)
  if (!js.ok) return {issues: [{file, line: js.problem.line, col: js.problem.col, message: js.problem.message, code: 'YAML_SYNTAX'}]}
  return {yaml: {file, doc, lines, data: js.value}, issues: []}
}

/** `{{ params.x }}`, `{{ steps.a.outputs.b }}`, `{{ item }}` or `{{ run.status }}` without the `$` before it, outside comments. */
export function referencesWithoutDollar(file: string, text: string): ProjectIssue[] {
  // One scan of the whole text first (most files have none); it finds every line the loop below reports, and more.
  if (!/(?:^|[^$])\{\{\s*(?:params|steps|item|run)\b/.test(text)) return []
  const out: ProjectIssue[] = []
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/(^|\s)#.*$/, '')
    for (const m of line.matchAll(/(\$?)\{\{\s*((?:params|steps|item|run)\b[^}]*?)\s*\}\}/g)) {
      if (m[1] === '$') continue
      out.push({
        file,
        line: i + 1,
        col: (m.index ?? 0) + 1,
        message: `'{{ ${m[2]} }}' is missing its '$': did you mean \${{ ${m[2]} }}?`,
        hint: `Write \${{ ${m[2]} }} (quote it inside { } or [ ]).`,
        code: 'BAD_REFERENCE',
      })
    }
  })
  return out
}

function yamlMessage(message: string): string {
  // The yaml library appends " at line L, column C" and a code frame; the position is reported separately.
  const first = yamlErrorText(message)
  if (first.startsWith('YAML')) return first
  return `YAML syntax error: ${first.charAt(0).toLowerCase()}${first.slice(1)}`
}

/**
 * The 1-based line and column of the node at `path`: of its key when `at` is 'key' (for unknown or misnamed keys),
 * else of its value. When the path does not exist, the position of its deepest existing ancestor.
 */
export function positionOf(y: YamlFile, path: YamlPath, at: 'key' | 'value' = 'value'): {line: number; col: number} {
  const {isMap, isSeq} = yamlLib()
  let node: unknown = y.doc.contents
  let pos = node && (node as Node).range ? (node as Node).range![0] : 0
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]
    const last = i === path.length - 1
    if (isMap(node)) {
      const pair = pairOf(node as YAMLMap, String(seg))
      if (!pair) break
      const keyNode = pair.key as Node | null
      const valueNode = pair.value as Node | null
      if (last && at === 'key' && keyNode?.range) {
        pos = keyNode.range[0]
        break
      }
      if (valueNode?.range) pos = valueNode.range[0]
      else if (keyNode?.range) pos = keyNode.range[0]
      node = valueNode
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as Node | undefined
      if (!item?.range) break
      pos = item.range[0]
      node = item
    } else break
  }
  return y.lines.linePos(pos)
}

/**
 * {@link positionOf} as a SourcePos of `file` computed on first read of its line or column: the project model keeps
 * one for every param, step and group, and a valid project read fast never needs its `yaml` Document.
 */
export function lazyPosition(file: string, y: YamlFile, path: YamlPath, at: 'key' | 'value' = 'value'): SourcePos {
  let pos: {line: number; col: number} | undefined
  const get = () => (pos ??= positionOf(y, path, at))
  return {
    file,
    get line() {
      return get().line
    },
    get col() {
      return get().col
    },
  }
}

/** Key → first pair of a mapping node, built once per node: positionOf is called for every param and step. */
const pairIndex = new WeakMap<YAMLMap, Map<string, Pair>>()
function pairOf(node: YAMLMap, key: string): Pair | undefined {
  let index = pairIndex.get(node)
  if (!index) {
    index = new Map()
    const {isPair} = yamlLib()
    for (const p of node.items) {
      if (!isPair(p)) continue
      const k = keyText(p.key)
      if (k !== undefined && !index.has(k)) index.set(k, p as Pair)
    }
    pairIndex.set(node, index)
  }
  return index.get(key)
}

function keyText(key: unknown): string | undefined {
  if (yamlLib().isScalar(key)) return String(key.value)
  return undefined
}
