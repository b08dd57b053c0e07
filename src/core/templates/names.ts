/**
 * Name rules for pipelines and components. A component name becomes a folder (components/<name>/), an image name
 * (<registry>/<pipeline>-<name>) and, as a step name, a Kubernetes/KFP task name, so it must be a lowercase
 * DNS-label-like word: letters, digits and '-', starting with a letter, not ending with '-'.
 */

/** Longest component name accepted: leaves room for `<pipeline>-` in image names and KFP task names (63). */
export const MAX_COMPONENT_NAME = 40
/** Longest pipeline name accepted (a Kubernetes label value is at most 63 characters). */
export const MAX_PIPELINE_NAME = 63

/** The outcome of checking a name: ok, or why not plus a corrected name to suggest. */
export type NameCheck = {ok: true} | {ok: false; reason: string; suggestion?: string}

/**
 * Turns any text into a valid name: lowercase, runs of other characters become '-', leading digits/dashes dropped,
 * cut to `max`. Returns '' when nothing usable is left.
 */
export function toValidName(raw: string, max = MAX_COMPONENT_NAME): string {
  let s = raw
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+/, '')
  s = s.slice(0, max).replace(/-+$/, '')
  return s
}

/** Checks a component/step or pipeline name; suggests a corrected one when possible. */
export function checkName(name: string, kind: 'component' | 'pipeline' = 'component'): NameCheck {
  const max = kind === 'component' ? MAX_COMPONENT_NAME : MAX_PIPELINE_NAME
  const suggest = (reason: string): NameCheck => {
    const s = toValidName(name, max)
    return s && s !== name ? {ok: false, reason, suggestion: s} : {ok: false, reason}
  }
  if (name.length === 0) return {ok: false, reason: 'the name is empty'}
  if (name.includes('/') || name.includes('\\') || name === '.' || name === '..')
    return suggest('it would be a path, not a folder name')
  if (name.length > max) return suggest(`it is ${name.length} characters long (at most ${max})`)
  if (/[A-Z]/.test(name)) return suggest('it has uppercase letters (image and Kubernetes names are lowercase)')
  if (!/^[a-z]/.test(name)) return suggest('it must start with a lowercase letter')
  if (/[^a-z0-9-]/.test(name)) return suggest("only lowercase letters, digits and '-' are allowed")
  if (name.endsWith('-')) return suggest("it must not end with '-'")
  return {ok: true}
}

/** The first of `base`, `base-2`, `base-3`, … that is not in `taken`. */
export function uniqueName(base: string, taken: Iterable<string>): string {
  const set = new Set(taken)
  if (!set.has(base)) return base
  for (let i = 2; ; i++) {
    const candidate = `${base}-${i}`
    if (!set.has(candidate)) return candidate
  }
}
