/**
 * Importer tasks (dsl.importer), as pure decisions: the URI to import, the artifact the task outputs, and where a
 * local run finds its bytes.
 *
 * Follows kfp-src sdk/python/kfp/local/importer_handler.py run_importer / get_importer_uri (the URI is the
 * constant or the task's `uri` input parameter; placeholders in metadata are resolved, keys and values, as
 * placeholder_utils.py recursively_resolve_json_dict_placeholders does) and, where kfp.local has nothing to say,
 * backend/src/v2/component/importer_launcher.go (an empty URI is an error; `reimport: false` reuses what an
 * earlier import of the same URI produced, findOrNewArtifactToImport).
 */
import type {IrImporterSpec} from '../ir/types.js'
import type {JsonValue} from '../project/types.js'
import type {ArtifactValue} from './record.js'

/** Where an imported URI's bytes are for a local run. */
export type ImportSource = {kind: 'local'; path: string} | {kind: 'gcs'; uri: string} | {kind: 'unsupported'; scheme: string}

/** Classifies a URI: absolute paths and file:// are local; gs:// is downloaded; other schemes are refused. */
export function importSource(uri: string): ImportSource {
  if (uri.startsWith('gs://')) return {kind: 'gcs', uri}
  if (uri.startsWith('file://')) return {kind: 'local', path: decodeURIComponent(uri.slice('file://'.length))}
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(uri)?.[1]
  if (scheme) return {kind: 'unsupported', scheme}
  return {kind: 'local', path: uri}
}

/** The URI an importer imports: the constant, else the `runtimeParameter` input's value. */
export function importerUri(spec: IrImporterSpec, parameters: Record<string, JsonValue>): {uri: string} | {error: string} {
  const au = spec.artifactUri ?? {}
  let uri: JsonValue | undefined
  if (au.constant !== undefined) uri = au.constant
  else if (au.constantValue?.stringValue !== undefined) uri = au.constantValue.stringValue
  else if (au.runtimeParameter !== undefined) {
    uri = parameters[au.runtimeParameter]
    if (uri === undefined) return {error: `the importer's URI input '${au.runtimeParameter}' has no value`}
  } else return {error: 'the importer has no artifactUri'}
  if (typeof uri !== 'string' || uri === '') return {error: `the importer's URI is empty or not a string (${JSON.stringify(uri)})`}
  return {uri}
}

/** Resolves placeholders in every key and string value of the importer's metadata (`resolve` fills in one string). */
export function resolveMetadata(v: JsonValue, resolve: (s: string) => string): JsonValue {
  if (typeof v === 'string') return resolve(v)
  if (Array.isArray(v)) return v.map((x) => resolveMetadata(x, resolve))
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [resolve(k), resolveMetadata(x, resolve)]))
  return v
}

/** The artifact an importer outputs (`artifact`, kfp.local's name): the URI, type and metadata; `localPath` when the bytes are a copy. */
export function importedArtifact(spec: IrImporterSpec, uri: string, metadata: JsonValue, localPath?: string): ArtifactValue {
  return {
    uri,
    name: 'artifact',
    type: spec.typeSchema ?? {schemaTitle: 'system.Artifact', schemaVersion: '0.0.1'},
    metadata: metadata && typeof metadata === 'object' && !Array.isArray(metadata) ? (metadata as Record<string, JsonValue>) : {},
    ...(localPath && localPath !== uri ? {customPath: localPath} : {}),
  }
}
