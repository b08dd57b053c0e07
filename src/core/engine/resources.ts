/**
 * Maps an IR container's resources to Docker limits: memory limit → Memory, memory request →
 * MemoryReservation, CPU limit → NanoCpus (capped at the host's CPUs), CPU request → CpuShares.
 */
import type {IrResourceSpec} from '../ir/types.js'

/** Docker resource settings, plus notes for settings that could not be applied as written. */
export interface DockerResources {
  memoryBytes?: number
  memoryReservationBytes?: number
  nanoCpus?: number
  cpuShares?: number
  warnings: string[]
}

const UNITS: Record<string, number> = {
  '': 1, k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
}

/** Parses a Kubernetes memory quantity (`14Gi`, `2G`, `512M`, `1e9`) into bytes; undefined when invalid. */
export function parseMemory(q: string): number | undefined {
  const m = /^([0-9]*\.?[0-9]+(?:e[0-9]+)?)([KMGTPE]i?|k)?$/.exec(q.trim())
  if (!m) return undefined
  return Math.round(Number(m[1]) * UNITS[m[2] ?? ''])
}

/** Parses a Kubernetes CPU quantity (`500m`, `2`, `0.5`) into CPUs; undefined when invalid. */
export function parseCpu(q: string): number | undefined {
  const m = /^([0-9]*\.?[0-9]+)(m?)$/.exec(q.trim())
  if (!m) return undefined
  return Number(m[1]) / (m[2] ? 1000 : 1)
}

function memoryOf(s: string | undefined, gb: number | undefined): number | undefined {
  if (s !== undefined && !s.includes('{{')) return parseMemory(s)
  if (gb !== undefined) return Math.round(gb * 1e9)
  return undefined
}

function cpuOf(s: string | undefined, n: number | undefined): number | undefined {
  if (s !== undefined && !s.includes('{{')) return parseCpu(s)
  return n
}

/** Docker settings for `res` on a host with `hostCpus` CPUs. */
export function dockerResources(res: IrResourceSpec | undefined, hostCpus: number): DockerResources {
  const out: DockerResources = {warnings: []}
  if (!res) return out
  const memLimit = memoryOf(res.resourceMemoryLimit, res.memoryLimit)
  const memReq = memoryOf(res.resourceMemoryRequest, res.memoryRequest)
  const cpuLimit = cpuOf(res.resourceCpuLimit, res.cpuLimit)
  const cpuReq = cpuOf(res.resourceCpuRequest, res.cpuRequest)
  if (memLimit) out.memoryBytes = memLimit
  // Docker refuses a reservation that is not below the limit.
  if (memReq && (!memLimit || memReq < memLimit)) out.memoryReservationBytes = memReq
  if (cpuLimit) {
    if (cpuLimit > hostCpus) {
      out.warnings.push(`CPU limit ${cpuLimit} is more than this machine's ${hostCpus} CPUs; using ${hostCpus}.`)
      out.nanoCpus = Math.round(hostCpus * 1e9)
    } else out.nanoCpus = Math.round(cpuLimit * 1e9)
  }
  if (cpuReq) out.cpuShares = Math.max(2, Math.round(cpuReq * 1024))
  const acc = res.accelerator
  if (acc && (acc.resourceType || acc.type)) out.warnings.push(`accelerator ${acc.resourceType ?? acc.type} x${acc.resourceCount ?? acc.count ?? 1} is ignored on the local engine.`)
  return out
}
