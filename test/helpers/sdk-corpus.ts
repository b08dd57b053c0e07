/**
 * The SDK corpus conversion (documented; used by test/e2e/sdk-corpus.test.ts): turns the KFP SDK's compiled
 * pipelines (test/fixtures/ir/sdk/valid, copied from kubeflow/pipelines at 7b70c7b) into pipelines that run here,
 * without the network and without Python:
 *
 * - Python-function components (`--function_to_execute NAME` in args) keep their args byte for byte
 *   (`--executor_input {{$}} --function_to_execute NAME`, the same placeholders the SDK writes) and get a busybox
 *   `sh -ec SCRIPT` command instead of `pip install kfp && python3 -m kfp.dsl.executor_main`. SCRIPT does what the
 *   Python function does, the way kfp's Python executor (sdk/python/kfp/dsl/executor.py) would: it reads the
 *   ExecutorInput JSON it is given, writes output artifacts to their paths, and writes return values and artifact
 *   metadata to `outputs.outputFile` (ExecutorOutput JSON). One script per function, below, each beside the
 *   Python it stands for.
 * - Every container image becomes the FROM-scratch busybox test image (test/helpers/busybox-images.ts), so the
 *   Docker runner needs no registry. Container components keep their command and args.
 * - The DAG (root, components, pipelineInfo, schemaVersion…) is kept byte for byte: only `deploymentSpec` changes,
 *   and the converted file is written as JSON, which the IR reader loads like YAML.
 */
import type {PipelineSpec} from '../../src/core/ir/types.js'

/** Image every converted executor runs in (built by the corpus test). */
export const CORPUS_IMAGE = 'kfp-test/sdk-corpus:latest'

/**
 * A JSON reader for busybox awk: prints the value at a dotted path (`inputs.parameterValues.a`,
 * `outputs.artifacts.model.artifacts.0.uri`) of the JSON on stdin. Strings print unquoted (\n, \t, \", \\ and \/
 * unescaped), numbers, booleans and null as written, objects and arrays as their JSON text. Nothing is printed
 * for a path that is not there.
 */
const JSON_AWK = String.raw`
function ws() { while (pos <= n && index(" \t\n\r", substr(s, pos, 1))) pos++ }
function str(   out, ch) {
  pos++; out = ""
  while (pos <= n) {
    ch = substr(s, pos, 1)
    if (ch == "\\") {
      pos++; ch = substr(s, pos, 1)
      if (ch == "n") ch = "\n"; else if (ch == "t") ch = "\t"; else if (ch == "u") { ch = "\\u" substr(s, pos + 1, 4); pos += 4 }
      out = out ch; pos++; continue
    }
    if (ch == "\"") { pos++; return out }
    out = out ch; pos++
  }
  return out
}
function val(path,   c, start, k, i, ch) {
  ws(); c = substr(s, pos, 1); start = pos
  if (c == "{") {
    pos++; ws()
    if (substr(s, pos, 1) == "}") pos++
    else while (1) { ws(); k = str(); ws(); pos++; val(path == "" ? k : path "." k); ws(); ch = substr(s, pos, 1); pos++; if (ch != ",") break }
    hit(path, substr(s, start, pos - start)); return
  }
  if (c == "[") {
    pos++; ws(); i = 0
    if (substr(s, pos, 1) == "]") pos++
    else while (1) { val(path == "" ? i : path "." i); i++; ws(); ch = substr(s, pos, 1); pos++; if (ch != ",") break }
    hit(path, substr(s, start, pos - start)); return
  }
  if (c == "\"") { k = str(); hit(path, k); return }
  while (pos <= n && !index(",}] \t\n\r", substr(s, pos, 1))) pos++
  hit(path, substr(s, start, pos - start))
}
function hit(p, v) { if (p == want) { printf "%s", v; exit } }
{ s = s $0 "\n" }
END { n = length(s); pos = 1; val("") }
`

/**
 * Shell helpers every converted component starts with. `$0` is the function name; `$1 $2 $3 $4` are the SDK's args:
 * `--executor_input <ExecutorInput JSON> --function_to_execute <name>`.
 */
const LIB = `EI="$2"
JSON_AWK='${JSON_AWK.replace(/'/g, `'"'"'`)}'
get() { printf '%s' "$EI" | awk -v want="$1" "$JSON_AWK"; }
param() { get "inputs.parameterValues.$1"; }
in_path() { p=$(get "inputs.artifacts.$1.artifacts.$\{2:-0}.customPath"); [ -n "$p" ] || p=$(get "inputs.artifacts.$1.artifacts.$\{2:-0}.uri"); printf '%s' "$p"; }
out_path() { p=$(get "outputs.artifacts.$1.artifacts.0.uri"); mkdir -p "$(dirname "$p")"; printf '%s' "$p"; }
js() { printf '%s' "$1" | sed 's/\\\\/\\\\\\\\/g; s/"/\\\\"/g' | awk 'BEGIN { printf "\\"" } { printf "%s%s", (NR > 1 ? "\\\\n" : ""), $0 } END { printf "\\"" }'; }
EO_P=''; EO_A=''
# Like the Python executor: a return value, a NamedTuple field, or artifact metadata go to the executor output file.
ret() { EO_P="$EO_P\${EO_P:+,}\\"$\{2:-Output}\\":$1"; }
meta() { EO_A="$EO_A\${EO_A:+,}\\"$1\\":{\\"artifacts\\":[{\\"metadata\\":$2}]}"; }
finish() { f=$(get outputs.outputFile); mkdir -p "$(dirname "$f")"; printf '{"parameterValues":{%s},"artifacts":{%s}}' "$EO_P" "$EO_A" > "$f"; }
`

/**
 * What each Python function does, in busybox sh. Key: the function name, or `<file>::<function>` where two files
 * use the same name for different code. The Python source is in the IR (the component's last command element).
 */
export const PYTHON_FUNCTIONS: Record<string, string> = {
  // def add_numbers(a: int, b: int) -> int: return a + b
  'critical/add_numbers::add_numbers': `ret "$(( $(param a) + $(param b) ))"`,
  // def add_numbers(first: int, second: int) -> int: return first + second
  'essential/lightweight_python_functions_with_outputs::add_numbers': `ret "$(( $(param first) + $(param second) ))"`,
  // def add_numbers(a: int, b: int) -> int: return a + b
  'essential/pipeline_with_reused_component::add_numbers': `ret "$(( $(param a) + $(param b) ))"`,
  // def sum_numbers(a: int, b: int) -> int: return a + b
  sum_numbers: `ret "$(( $(param a) + $(param b) ))"`,
  // def add(a: float, b: float) -> float: return a + b
  add: `ret "$(awk -v a="$(param a)" -v b="$(param b)" 'BEGIN { print a + b }')"`,
  // def concat_message(message1: str, message2: str) -> str (essential/concat_message); (first, second) in lightweight_python_functions_with_outputs
  'essential/concat_message::concat_message': `ret "$(js "$(param message1)$(param message2)")"`,
  'containerized_python_component::concat_message': `ret "$(js "$(param message1)$(param message2)")"`,
  'essential/lightweight_python_functions_with_outputs::concat_message': `ret "$(js "$(param first)$(param second)")"`,
  // def identity(value: str) -> str: return value
  identity: `ret "$(js "$(param value)")"`,
  // def add_one(x: int) -> int: return x + 1
  add_one: `ret "$(( $(param x) + 1 ))"`,
  // def dict_input(struct: Dict): print(struct)
  dict_input: `param struct; echo`,
  // def input_artifact(data: Input[Dataset]): print(data.name); print(data.uri); print(data.metadata)
  input_artifact: `get inputs.artifacts.data.artifacts.0.name; echo; get inputs.artifacts.data.artifacts.0.uri; echo; get inputs.artifacts.data.artifacts.0.metadata; echo; echo "content: $(cat "$(in_path data)")"`,
  // def output_artifact(number: int, message: str) -> Dataset: return '\n'.join([message] * number)
  output_artifact: `o=$(out_path Output); : > "$o"; i=0; n=$(param number); while [ $i -lt $n ]; do [ $i -gt 0 ] && printf '\\n' >> "$o"; printf '%s' "$(param message)" >> "$o"; i=$((i + 1)); done`,
  // def output_named_tuple(artifact: Input[Dataset]) -> NamedTuple(scalar: str, metrics: Metrics, model: Model)
  output_named_tuple: `ret '"123"' scalar
printf '%s' '{"metrics": [{"name": "accuracy", "numberValue": 0.9, "format": "PERCENTAGE"}]}' > "$(out_path metrics)"
printf 'Model contents: %s' "$(cat "$(in_path artifact)")" > "$(out_path model)"`,
  // def preprocess(message, input_dict_parameter, input_list_parameter, output_dataset_one: Output[Dataset],
  //   output_dataset_two_path: OutputPath('Dataset'), output_parameter_path: OutputPath(str), ...bool, dict, list)
  'essential/lightweight_python_functions_pipeline::preprocess': `m=$(param message)
printf '%s' "$m" > "$(out_path output_dataset_one)"
printf '%s' "$m" > "$(out_path output_dataset_two_path)"
f() { p=$(get "outputs.parameters.$1.outputFile"); mkdir -p "$(dirname "$p")"; printf '%s' "$2" > "$p"; }
f output_parameter_path "$m"
f output_bool_parameter_path True
f output_dict_parameter_path "$(param input_dict_parameter)"
f output_list_parameter_path "$(param input_list_parameter)"`,
  // def train(dataset_one_path, dataset_two, message, model: Output[Model], input_bool, input_dict, input_list,
  //   num_steps=100): writes num_steps "Step i" blocks to model.path; model.metadata['accuracy'] = 0.9
  'essential/lightweight_python_functions_pipeline::train': `line="dataset_one_contents: $(cat "$(in_path dataset_one_path)") || dataset_two_contents: $(cat "$(in_path dataset_two)") || message: $(param message) || input_bool: $(param input_bool) || input_dict: $(param input_dict) || input_list: $(param input_list)"
o=$(out_path model); : > "$o"; i=0
while [ $i -lt "$(param num_steps)" ]; do printf 'Step %s\\n%s\\n=====\\n' "$i" "$line" >> "$o"; i=$((i + 1)); done
meta model '{"accuracy": 0.9}'`,
  // def component_op(input1: str = 'default value', input2: Optional[str] = None, input3: Optional[str] = None)
  'critical/component_with_optional_inputs::component_op': `for n in input1 input2 input3; do v=$(param $n); [ -n "$v" ] || v=None; echo "$n: $v"; done`,
  // def str_to_dataset(string: str, dataset: Output[Dataset]): writes string to dataset.path
  str_to_dataset: `printf '%s' "$(param string)" > "$(out_path dataset)"`,
  // def dataset_joiner(dataset_a: Input[Dataset], dataset_b: Input[Dataset], out_dataset: Output[Dataset]) -> str
  dataset_joiner: `c="$(cat "$(in_path dataset_a)")$(cat "$(in_path dataset_b)")"; printf '%s' "$c" > "$(out_path out_dataset)"; ret "$(js "$c")"`,
  // def output_metrics(metrics: Output[Metrics]): metrics.log_metric('accuracy', random.randint(0, 100))
  output_metrics: `meta metrics "{\\"accuracy\\": $(awk 'BEGIN { srand(); print int(rand() * 101) }')}"`,
  // def flaky(counter_path: str) -> str: counts attempts in a file, fails the first one, returns f'attempt={count}'
  flaky: `c=$(param counter_path); n=0; [ -f "$c" ] && n=$(cat "$c"); n=$((n + 1)); printf '%s' "$n" > "$c"
[ "$n" -gt 1 ] || { echo "RuntimeError: flaky attempt $n" >&2; exit 1; }
ret "$(js "attempt=$n")"`,
  // def fail(): sys.exit(1)
  fail: `exit 1`,
  // def nested_return() -> List[Dict[str, str]]
  nested_return: `ret '[{"A_a": "1", "B_b": "2"}, {"A_a": "10", "B_b": "20"}]'`,
  // def comp(env_var: str) -> str: value = os.getenv(env_var, ""); raise if empty; return value
  'env-var::comp': `n=$(param env_var); eval "v=\\\${$n:-}"; [ -n "$v" ] || { echo 'Exception: Env var is not set' >&2; exit 1; }; ret "$(js "$v")"`,
  // def read_env_var(var_name: str) -> str: return os.environ.get(var_name, 'UNSET')
  read_env_var: `n=$(param var_name); eval "v=\\\${$n-UNSET}"; ret "$(js "$v")"`,
  // def print_all_placeholders(job_name, job_resource_name, job_id, task_name, task_id): checks and prints them
  print_all_placeholders: `out=''
for n in job_name job_resource_name job_id task_name task_id; do v=$(param $n); case "$v" in ''|*'{{'*) echo "RuntimeError: Expected the placeholder to be replaced with a value: $v" >&2; exit 1 ;; esac; out="$out\${out:+, }$v"; done
[ "$(param task_name)" = print-all-placeholders ] || exit 1
case "$(param job_resource_name)" in pipeline-with-placeholders-*) ;; *) exit 1 ;; esac
echo "$out"`,
  // def take_nap(naptime_secs: int) -> str: sleeps, returns "I'm awake now. Did I snore?"
  take_nap: `echo "Sleeping for $(param naptime_secs) seconds: Zzzzzz ..."; sleep "$(param naptime_secs)"; ret "$(js "I'm awake now. Did I snore?")"`,
  // def wake_up(message: str): print(message)
  wake_up: `param message; echo`,
  // def flip_coin_op() -> str: 'heads' if random.randint(0, 1) == 0 else 'tails'
  flip_coin_op: `r=$(awk 'BEGIN { srand(); print int(rand() * 2) }'); [ "$r" = 0 ] && ret '"heads"' || ret '"tails"'`,
  // def print_op(msg: str): print(msg) / def print_text(msg: str): print(msg)
  print_op: `param msg; echo`,
  print_text: `param msg; echo`,
  // def args_generator_op() -> List[Dict[str, str]]
  args_generator_op: `ret '[{"A_a": "1", "B_b": "2"}, {"A_a": "10", "B_b": "20"}]'`,
  // def print_struct(struct: Dict): print(struct)
  print_struct: `param struct; echo`,
  // def component_*_default(componentInput = …): raise ValueError unless it got the parent pipeline's value
  component_bool_default: `[ "$(param componentInput)" = true ] || { echo "ValueError: componentInput should be True but is $(param componentInput)" >&2; exit 1; }`,
  component_nil_bool_default: `[ "$(param componentInput)" = true ] || { echo "ValueError: componentInput should be True but is $(param componentInput)" >&2; exit 1; }`,
  component_int_default: `[ "$(param componentInput)" = 1 ] || { echo "ValueError: componentInput should be 1 but is $(param componentInput)" >&2; exit 1; }`,
  component_nil_int_default: `[ "$(param componentInput)" = 1 ] || { echo "ValueError: componentInput should be 1 but is $(param componentInput)" >&2; exit 1; }`,
  component_str_default: `[ "$(param componentInput)" = 'Input - parent pipeline' ] || { echo "ValueError: componentInput is $(param componentInput)" >&2; exit 1; }`,
  component_nil_str_default: `[ "$(param componentInput)" = 'Input - parent pipeline' ] || { echo "ValueError: componentInput is $(param componentInput)" >&2; exit 1; }`,
  // def make_name(name: str) -> str: return name
  make_name: `ret "$(js "$(param name)")"`,
  // def train(dataset: Input[Dataset]) -> NamedTuple(scalar: str, model: Model) (pipeline_with_importer)
  'pipeline_with_importer::train': `data=$(cat "$(in_path dataset)"); echo "Dataset: $data"; ret '"123"' scalar; printf 'My model trained using data: %s' "$data" > "$(out_path model)"`,
  // def write_artifact(index: int, out: Output[Artifact]): writes str(index) to out.path
  write_artifact: `printf '%s' "$(param index)" > "$(out_path out)"`,
  // def read_and_join(artifacts: List[Artifact]) -> str: ','.join(sorted(contents))
  read_and_join: `i=0; : > /tmp/parts.$$
while p=$(in_path artifacts $i) && [ -n "$p" ]; do cat "$p" >> /tmp/parts.$$; echo >> /tmp/parts.$$; i=$((i + 1)); done
ret "$(js "$(sort /tmp/parts.$$ | awk 'NF { printf "%s%s", (n++ ? "," : ""), $0 }')")"; rm -f /tmp/parts.$$`,
  // def split_ids(ids: str) -> list: return ids.split(',')
  split_ids: `ret "[$(param ids | awk -F, '{ for (i = 1; i <= NF; i++) printf "%s\\"%s\\"", (i > 1 ? "," : ""), $i }')]"`,
  // def prepend_id(content: str) -> str: print(...); return f'model_id_{content}'
  prepend_id: `echo "prepending: $(param content) with 'model_id'"; ret "$(js "model_id_$(param content)")"`,
  // def consume_ids(ids: List[str]) -> str: prints each; return 'completed'
  consume_ids: `i=0; while v=$(get inputs.parameterValues.ids.$i) && [ -n "$v" ]; do echo "Consuming: $v"; i=$((i + 1)); done; ret '"completed"'`,
  // def consume_single_id(id: str) -> str
  consume_single_id: `echo "Consuming single: $(param id)"; ret '"completed"'`,
  // def python_artifact_printer(artifact: Optional[Input[Artifact]] = None)
  python_artifact_printer: `p=$(in_path artifact); if [ -n "$p" ]; then get inputs.artifacts.artifact.artifacts.0.name; echo; get inputs.artifacts.artifact.artifacts.0.uri; echo; get inputs.artifacts.artifact.artifacts.0.metadata; echo; else echo 'No artifact provided!'; fi`,
}

/** The script for `fn` in corpus file `file` (path under valid/, without .yaml). */
export function scriptFor(file: string, fn: string): string | undefined {
  return PYTHON_FUNCTIONS[`${file}::${fn}`] ?? PYTHON_FUNCTIONS[fn]
}

/**
 * Converts an SDK-compiled pipeline (see the file comment). Throws when a Python function has no script here
 * (add one beside the Python it stands for).
 */
export function containerizePythonFunctions(spec: PipelineSpec, file: string, image = CORPUS_IMAGE): PipelineSpec {
  const executors: PipelineSpec['deploymentSpec']['executors'] = {}
  for (const [label, e] of Object.entries(spec.deploymentSpec.executors)) {
    const c = e.container
    if (!c) {
      executors[label] = e
      continue
    }
    const args = c.args ?? []
    const at = args.indexOf('--function_to_execute')
    if (at < 0) {
      executors[label] = {...e, container: {...c, image}}
      continue
    }
    const fn = args[at + 1]
    const body = scriptFor(file, fn)
    if (body === undefined) throw new Error(`${file}: no busybox script for the Python function ${fn} (test/helpers/sdk-corpus.ts PYTHON_FUNCTIONS)`)
    executors[label] = {...e, container: {...c, image, command: ['sh', '-ec', `${LIB}\n${body}\nfinish\n`, fn]}}
  }
  return {...spec, deploymentSpec: {...spec.deploymentSpec, executors}}
}
