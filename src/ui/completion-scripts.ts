/**
 * The completion scripts `kfp autocomplete SHELL` prints. Each asks `kfp complete -- WORD… CURRENT` for candidates on
 * TAB (the design of cobra's `__complete`, as gh and kubectl use it): one candidate a line, `:files`/`:dirs` for the
 * shell's own path completion. A candidate ending in `=` (`startYear=`) gets no space after it.
 * Words are taken from the line up to the cursor and split on blanks, so `--param=x` stays one word whatever
 * COMP_WORDBREAKS says; what bash replaces is only the part after its last word break.
 */
export type Shell = 'bash' | 'zsh' | 'fish'

export function completionScript(shell: Shell, bin = 'kfp'): string {
  const fn = `_${bin.replace(/\W/g, '_')}_complete`
  if (shell === 'bash') {
    return `# ${bin} completion for bash: source <(${bin} autocomplete bash)
${fn}() {
  local line="\${COMP_LINE:0:COMP_POINT}" cur="" words out c
  read -ra words <<< "$line"
  [[ "$line" =~ [[:space:]]$ ]] || { cur="\${words[-1]}"; unset 'words[-1]'; }
  out="$(${bin} complete -- "\${words[@]:1}" "$cur" 2>/dev/null)" || return 0
  COMPREPLY=()
  if [[ "$out" == ":files" || "$out" == ":dirs" ]]; then
    local path="\${cur#*=}"
    if [[ "$out" == ":dirs" ]]; then mapfile -t COMPREPLY < <(compgen -d -- "$path"); else mapfile -t COMPREPLY < <(compgen -f -- "$path"); fi
    compopt -o filenames 2>/dev/null
    return 0
  fi
  # bash replaces only what follows its last word break (= and : by default) in the current word.
  local broken="\${COMP_WORDS[COMP_CWORD]}" keep=""
  [[ "$broken" == "=" || "$broken" == ":" ]] && broken=""
  keep="\${cur:0:\${#cur}-\${#broken}}"
  while IFS= read -r c; do [[ -n "$c" ]] && COMPREPLY+=("\${c#"$keep"}"); done <<< "$out"
  if [[ \${#COMPREPLY[@]} -eq 1 && "\${COMPREPLY[0]}" == *= ]]; then compopt -o nospace 2>/dev/null; fi
  return 0
}
complete -F ${fn} ${bin}
`
  }
  if (shell === 'zsh') {
    return `#compdef ${bin}
# ${bin} completion for zsh: source <(${bin} autocomplete zsh)   (after compinit)
${fn}() {
  local -a lines with_eq plain
  local cur="\${words[CURRENT]}"
  lines=("\${(@f)$(${bin} complete -- "\${(@)words[2,CURRENT-1]}" "$cur" 2>/dev/null)}")
  if [[ "\${lines[1]}" == ":files" ]]; then _files; return; fi
  if [[ "\${lines[1]}" == ":dirs" ]]; then _files -/; return; fi
  for c in "\${lines[@]}"; do [[ -z "$c" ]] && continue; if [[ "$c" == *= ]]; then with_eq+=("$c"); else plain+=("$c"); fi; done
  (( \${#plain} )) && compadd -Q -- "\${plain[@]}"
  (( \${#with_eq} )) && compadd -Q -S '' -- "\${with_eq[@]}"
  return 0
}
if (( $+functions[compdef] )); then compdef ${fn} ${bin}; fi
`
  }
  return `# ${bin} completion for fish: ${bin} autocomplete fish > ~/.config/fish/completions/${bin}.fish
function __${fn}
    set -l words (commandline -opc)
    set -e words[1]
    set -l out (${bin} complete -- $words (commandline -ct) 2>/dev/null)
    if test "$out[1]" = ":files"; or test "$out[1]" = ":dirs"
        __fish_complete_path (commandline -ct)
        return
    end
    printf '%s\\n' $out
end
complete -c ${bin} -f -a '(__${fn})'
`
}
