/** Result of checking a resource quantity: the normalized string, or an error with a hint. */
export type QuantityResult = {value: string} | {error: string; hint: string}

const CPU_HINT = "Use a number of cores (1, 0.5) or millicores ('500m')."
const MEMORY_HINT = 'Use a number with a unit: 512M, 2G, 2Gi (decimal K/M/G/T or binary Ki/Mi/Gi/Ti).'

/**
 * Checks and normalizes a CPU request or limit: a positive number of cores (`1`, `0.5`, `'2'`) or millicores
 * (`'500m'`). Returns it as a string ("1", "0.5", "500m").
 */
export function normalizeCpu(v: unknown): QuantityResult {
  if (typeof v === 'number') {
    return Number.isFinite(v) && v > 0 ? {value: String(v)} : {error: `cpu ${v} must be more than 0`, hint: CPU_HINT}
  }
  const s = String(v).trim()
  if (/^\d+m$/.test(s) && Number(s.slice(0, -1)) > 0) return {value: s}
  if (/^(\d+\.?\d*|\.\d+)$/.test(s) && Number(s) > 0) return {value: String(Number(s))}
  const milli = /^(\d+)\s*(?:millicores?|mcpu|M)$/i.exec(s)
  if (milli) return {error: `cpu '${s}' is not a CPU quantity`, hint: `Write '${milli[1]}m' for ${milli[1]} millicores.`}
  return {error: `cpu '${s}' is not a CPU quantity`, hint: CPU_HINT}
}

/**
 * Checks and normalizes a memory request or limit: a Kubernetes quantity with a unit, `512M`, `2G`, `1.5Gi`, or a
 * plain number of bytes of at least 1M. Typical mistakes get a precise hint (`2GB` → "2G or 2Gi").
 */
export function normalizeMemory(v: unknown): QuantityResult {
  const s = String(v).trim()
  if (typeof v === 'number' || /^\d+$/.test(s)) {
    const n = Number(s)
    if (Number.isInteger(n) && n >= 1_000_000) return {value: String(n)}
    return {error: `memory ${s} has no unit`, hint: `Add a unit: ${s}G or ${s}Gi (a plain number means bytes).`}
  }
  if (/^(\d+\.?\d*|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|K|M|G|T|P|E)$/.test(s) && Number.parseFloat(s) > 0) return {value: s}
  const m = /^(\d+\.?\d*|\.\d+)\s*([kmgtpe])(i)?(b|bytes?)?$/i.exec(s)
  if (m) {
    const unit = m[2].toUpperCase()
    const fixed = m[3] ? `${m[1]}${unit}i` : `${m[1]}${unit}`
    const hint = m[3] ? `Write '${fixed}'.` : `Write '${fixed}' or '${m[1]}${unit}i'.`
    return {error: `memory '${s}' is not a memory quantity`, hint}
  }
  return {error: `memory '${s}' is not a memory quantity`, hint: MEMORY_HINT}
}
