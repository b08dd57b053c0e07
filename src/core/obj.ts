/** A JSON object as parsed from YAML or JSON: what project files, component files and kfp's records are checked as. */
export type Obj = Record<string, unknown>

/** True for an object that is not an array (nor null): a mapping of a parsed document. */
export const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v)
