/**
 * Reading compiled pipeline files the way the KFP SDK reads them (PyYAML `yaml.safe_load_all`, which is also what
 * wrote them: `kfp/compiler/pipeline_spec_builder.py write_pipeline_spec_to_file` uses `yaml.dump`).
 *
 * The `yaml` package is stricter than PyYAML and refuses valid PyYAML output, e.g. a single-quoted scalar whose
 * continuation line sits at the enclosing sequence's indent (test_data's
 * `essential/placeholder_with_if_placeholder_none_input_value.yaml`). js-yaml accepts what PyYAML accepts, so IR is
 * read with it: every file under kubeflow/pipelines `test_data/sdk_compiled_pipelines/valid/` loads to the same
 * value as with PyYAML (checked with PyYAML 6.0.3 against all 150 files at commit 7b70c7b).
 *
 * Options: the YAML 1.2 core schema (no timestamps, so dates stay strings as JSON needs them), and `json: true` so
 * that a duplicated key keeps its last value instead of failing, as in PyYAML.
 */
import {CliError, EXIT} from '../../lib/errors.js'
import {jsYamlLib} from '../js-yaml.js'

/** A YAML syntax error at `file:line:col` (1-based), exit 3. */
export function yamlSyntaxError(file: string, line: number | undefined, col: number | undefined, reason: string): CliError {
  return new CliError('YAML_SYNTAX', `${file}${line ? `:${line}:${col ?? 1}` : ''}: ${reason}`, {exit: EXIT.CONFIG})
}

/** Parses every YAML (or JSON) document of a compiled pipeline file; throws YAML_SYNTAX with file:line:col. */
export function loadIrDocuments(text: string, file: string): unknown[] {
  try {
    const {CORE_SCHEMA, loadAll} = jsYamlLib()
    return loadAll(text, undefined, {schema: CORE_SCHEMA, json: true, filename: file})
  } catch (err) {
    if (err instanceof jsYamlLib().YAMLException) {
      const m = err.mark as {line?: number; column?: number} | undefined
      throw yamlSyntaxError(file, m?.line === undefined ? undefined : m.line + 1, m?.column === undefined ? undefined : m.column + 1, err.reason)
    }
    throw err
  }
}
