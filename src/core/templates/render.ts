/**
 * Pure template rendering for `kfp init` and `kfp component add`.
 *
 * Convention (templates/ holds data only):
 * - a file whose name ends in `.tmpl` is rendered with {@link renderTemplate} and written without the suffix;
 * - every other file is copied verbatim (so Python f-strings and shell `${x}` never need escaping);
 * - a file named `_gitignore` (npm drops real `.gitignore` files from packages) is written as `.gitignore`.
 *
 * Placeholders are `{{name}}` (letters, digits, `_`; spaces inside the braces allowed). kfp.yaml's own references
 * `${{ params.x }}` are left alone: a `{{` preceded by `$` is never a placeholder, and neither is a dotted name.
 */

/** Values substituted into `{{name}}` placeholders. */
export type TemplateVars = Record<string, string>

/** A template file as read from templates/: a posix path relative to the template folder and its text. */
export interface TemplateFile {
  path: string
  content: string
  /** Copy the executable bit (shell scripts). */
  executable?: boolean
}

/** A file to write: posix path relative to the target folder, final text, and whether it is executable. */
export interface PlannedFile {
  path: string
  content: string
  executable?: boolean
}

/** Thrown when a template uses a placeholder that has no value: a bug in the template or its caller. */
export class TemplateRenderError extends Error {
  constructor(
    readonly placeholder: string,
    readonly template?: string,
  ) {
    super(`Template ${template ?? '(inline)'} uses {{${placeholder}}} but no value was given for it.`)
  }
}

const PLACEHOLDER = /(?<!\$)\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g

/**
 * Replaces every `{{name}}` in `text` with `vars[name]`. Unknown placeholders throw {@link TemplateRenderError}
 * so that a typo in a template fails loudly instead of producing a broken file.
 */
export function renderTemplate(text: string, vars: TemplateVars, templateName?: string): string {
  return text.replace(PLACEHOLDER, (_m, key: string) => {
    if (!Object.prototype.hasOwnProperty.call(vars, key)) throw new TemplateRenderError(key, templateName)
    return vars[key]
  })
}

/** The placeholder names a template uses, in order of first use (for tests and template checks). */
export function templatePlaceholders(text: string): string[] {
  const seen = new Set<string>()
  for (const m of text.matchAll(PLACEHOLDER)) seen.add(m[1])
  return [...seen]
}

/** Maps a template file path to the path it is written to (`x.tmpl` → `x`, `_gitignore` → `.gitignore`). */
export function outputPathOf(templatePath: string): string {
  const parts = templatePath.split('/')
  let base = parts.pop() ?? ''
  if (base.endsWith('.tmpl')) base = base.slice(0, -'.tmpl'.length)
  if (base === '_gitignore') base = '.gitignore'
  return [...parts, base].join('/')
}

/**
 * Plans the files of a template folder: renders `.tmpl` files, copies the rest, and places everything under `into`
 * (a posix prefix such as `components/train`, or '' for the target root). Sorted by path for stable output.
 */
export function planTemplateFiles(files: TemplateFile[], vars: TemplateVars, into = ''): PlannedFile[] {
  const prefix = into ? into.replace(/\/+$/, '') + '/' : ''
  return files
    .map((f) => ({
      path: prefix + outputPathOf(f.path),
      content: f.path.endsWith('.tmpl') ? renderTemplate(f.content, vars, f.path) : f.content,
      ...(f.executable ? {executable: true} : {}),
    }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}

/**
 * Formats a string as a YAML scalar for insertion into a template: plain when that is unambiguous,
 * else double-quoted (JSON strings are valid YAML double-quoted scalars).
 */
export function yamlScalar(value: string): string {
  const plainSafe =
    /^[A-Za-z0-9_./@-][A-Za-z0-9_./@:, '()-]*$/.test(value) &&
    !/: |:$| #|,$|^-|[' ]$/.test(value) &&
    !/^(true|false|yes|no|on|off|null|~|y|n)$/i.test(value) &&
    !/^[-+]?(\d[\d_]*(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(value) &&
    !/^0[xo]/i.test(value)
  return plainSafe ? value : JSON.stringify(value)
}
