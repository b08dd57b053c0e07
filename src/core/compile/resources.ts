/**
 * Resource quantities as the KFP SDK writes them (`kfp/dsl/pipeline_task.py`): the string fields keep the
 * Kubernetes quantity, the deprecated double fields hold vCPUs and gigabytes (10^9 bytes).
 */

const CPU = /^([0-9]*[.])?[0-9]+m?$/
const MEMORY = /^([0-9]*[.])?[0-9]+(E|Ei|P|Pi|T|Ti|G|Gi|M|Mi|K|Ki|k)?$/

/** Whether `cpu` is a CPU quantity the SDK accepts (`2`, `0.5`, `500m`). */
export function isCpuQuantity(cpu: string): boolean {
  return CPU.test(cpu)
}

/** Whether `memory` is a memory quantity the SDK accepts (`2G`, `14Gi`, `512Mi`, plain bytes). */
export function isMemoryQuantity(memory: string): boolean {
  return MEMORY.test(memory)
}

/** vCPUs of a CPU quantity, as the SDK computes the deprecated `cpuRequest`/`cpuLimit` (`500m` → 0.5). */
export function cpuToFloat(cpu: string): number {
  return cpu.endsWith('m') ? Number.parseFloat(cpu.slice(0, -1)) / 1000 : Number.parseFloat(cpu)
}

// Suffixes longest first so 'Gi' is tried before 'G'. Values in bytes.
const MEMORY_UNITS: Array<[string, number]> = [
  ['Ei', 2 ** 60],
  ['Pi', 2 ** 50],
  ['Ti', 2 ** 40],
  ['Gi', 2 ** 30],
  ['Mi', 2 ** 20],
  ['Ki', 2 ** 10],
  ['E', 1e18],
  ['P', 1e15],
  ['T', 1e12],
  ['G', 1e9],
  ['M', 1e6],
  ['K', 1e3],
  ['k', 1e3],
]

/** Gigabytes of a memory quantity, as the SDK computes the deprecated `memoryRequest` (`2G` → 2, `14Gi` → 15.032385536). */
export function memoryToGB(memory: string): number {
  for (const [suffix, bytes] of MEMORY_UNITS) {
    if (memory.endsWith(suffix)) return (Number.parseFloat(memory.slice(0, -suffix.length)) * bytes) / 1e9
  }
  return Number.parseFloat(memory) / 1e9
}
