import {distance} from 'fastest-levenshtein'

/** Longest name Kubernetes accepts for a label (RFC 1123) and KFP for a task/pipeline name. */
export const MAX_NAME_LENGTH = 63

const K8S_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/

/**
 * Whether `name` is a valid KFP/Kubernetes name: a lowercase RFC 1123 label of at most 63 characters
 * (lowercase letters, digits and '-', starting and ending with a letter or digit).
 * Step names, component folder names and the pipeline name must be such names.
 */
export function isValidK8sName(name: string): boolean {
  return name.length <= MAX_NAME_LENGTH && K8S_NAME.test(name)
}

/**
 * The name the KFP SDK would use in the IR for `name` (its `sanitize_k8s_name`): lowercase, every run of characters
 * other than [-0-9a-z] replaced by '-', runs of '-' collapsed, leading/trailing '-' removed.
 * For a valid name (see {@link isValidK8sName}) this is the name itself.
 */
export function irName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^-0-9a-z]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-+|-+$/g, '')
}

/**
 * A valid name close to `name`, to suggest in an error message: {@link irName}, also splitting camelCase
 * (`trainTuned` → `train-tuned`), cut to 63 characters; `undefined` when nothing usable is left.
 */
export function suggestK8sName(name: string): string | undefined {
  const fixed = irName(name.replace(/([a-z0-9])([A-Z])/g, '$1-$2'))
    .slice(0, MAX_NAME_LENGTH)
    .replace(/-+$/, '')
  return fixed && isValidK8sName(fixed) ? fixed : undefined
}

/** Pipeline parameter names: identifiers (letters, digits, '_', not starting with a digit), as the SDK requires. */
export function isValidParamName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name)
}

/**
 * The candidate most similar to `input` when it is close enough to be a likely typo, for "did you mean …?".
 * Close enough: edit distance at most max(1, ⌊len/3⌋), or equal ignoring case and '-'/'_'.
 */
export function didYouMean(input: string, candidates: Iterable<string>): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[-_]/g, '')
  let best: string | undefined
  let bestDist = Number.POSITIVE_INFINITY
  for (const c of candidates) {
    if (c === input) continue
    const d = norm(c) === norm(input) ? 0 : isTransposition(input.toLowerCase(), c.toLowerCase()) ? 1 : distance(input.toLowerCase(), c.toLowerCase())
    if (d < bestDist) {
      best = c
      bestDist = d
    }
  }
  if (best === undefined) return undefined
  const limit = Math.max(1, Math.floor(input.length / 3))
  return bestDist <= limit ? best : undefined
}

/** Whether b is a with two adjacent letters swapped ('stpes' → 'steps'): one typo, though two edits. */
function isTransposition(a: string, b: string): boolean {
  if (a.length !== b.length) return false
  const diff: number[] = []
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) diff.push(i)
  return diff.length === 2 && diff[1] === diff[0] + 1 && a[diff[0]] === b[diff[1]] && a[diff[1]] === b[diff[0]]
}

/** Names for a hint, comma-separated: the first `max`, then how many more (a project may have 20,000 params). */
export function nameList(names: readonly string[], max = 30): string {
  return names.length > max ? `${names.slice(0, max).join(', ')} and ${names.length - max} more` : names.join(', ')
}

/** " — did you mean 'x'?" or "" (for appending to a message). */
export function didYouMeanSuffix(input: string, candidates: Iterable<string>): string {
  const m = didYouMean(input, candidates)
  return m === undefined ? '' : ` — did you mean '${m}'?`
}
