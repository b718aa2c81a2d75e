import Testing

@testable import CharterModel

/// Scripts from the security review that ran a value as code (each confirmed with
/// `--param 'x=a[$(touch /workspace/PWNED)]'` and `env: {X: "${{ params.x }}"}`), and the safe
/// ways to write them.
@Suite struct ShellScriptScanReviewTests {
    // MARK: Bash evaluates array subscripts in names

    @Test(arguments: [
        UnsafeCase(#"bash -c 'printf -v "$X" %s 1'"#, at: "$X"),
        UnsafeCase(#"printf -v "$X" %s 1"#, at: "$X"),
        UnsafeCase(#"printf -v"$X" %s 1"#, at: "$X"),
        UnsafeCase(#"printf -v 'a[X]' %s 1"#, at: "X]"),
        UnsafeCase(#"bash -c 'read -r "$X" <<< 1'"#, at: "$X"),
        UnsafeCase(#"read -r "$X" <<< 1"#, at: "$X"),
        UnsafeCase(#"read -r a "$X" < file"#, at: "$X"),
        UnsafeCase(#"read -ra "$X" <<< 1"#, at: "$X"),
        UnsafeCase(#"read -r 'a[X]' <<< 1"#, at: "X]"),
        UnsafeCase(#"bash -c 'test -v "$X"'"#, at: "$X"),
        UnsafeCase("[[ -v $X ]]", at: "$X"),
        UnsafeCase(#"[ -v "$X" ]"#, at: "$X"),
        UnsafeCase("[[ -v a[X] ]]", at: "X]"),
        UnsafeCase(#"bash -c 'mapfile -C "$X" -c 1 a <<< x'"#, at: "$X"),
        UnsafeCase(#"readarray -C "$X" -c 1 a <<< x"#, at: "$X"),
        UnsafeCase(#"mapfile -C 'eval "$X"' -c 1 a <<< x"#, at: "$X"),
        UnsafeCase(#"mapfile -t "$X" <<< x"#, at: "$X"),
        UnsafeCase(#"declare "$X""#, at: "$X"),
        UnsafeCase(#"local "a[$X]=1""#, at: "$X"),
        UnsafeCase(#"unset -v "$X""#, at: "$X"),
        UnsafeCase(#"declare -n r="$X"; echo "$r""#, at: "$X"),
        UnsafeCase("declare -n r\nr=$X", at: "$X"),
        UnsafeCase(#"f() { local -n r=$X; }"#, at: "$X"),
        UnsafeCase(#"echo "${X@P}""#, at: "${X@P}"),
        UnsafeCase(#"compgen -W "$X""#, at: "$X"),
        // The word list is scanned as code: its substitution is a command name and runs `eval`.
        UnsafeCase(#"compgen -W '$(eval "$X")'"#, at: "$(", count: 2),
    ])
    func valuesAsVariableNames(_ c: UnsafeCase) { check(c) }

    @Test(arguments: [
        UnsafeCase(#"bash -c 'declare -i n; n=$X'"#, at: "$X"),
        UnsafeCase("declare -i n; n=$X", at: "$X"),
        UnsafeCase(#"local -i n; n="$X""#, at: "$X"),
        UnsafeCase("typeset -i n\nn+=$X", at: "$X"),
        UnsafeCase("declare -ia n; n[0]=$X", at: "$X"),
        UnsafeCase(#"declare -ai n; n=("$X")"#, at: "$X"),
        UnsafeCase(#"declare -i n; read -r n <<< "$X""#, at: "$X"),
        UnsafeCase(#"declare -i n; printf -v n %s "$X""#, at: "$X"),
        UnsafeCase(#"declare -i n; for n in "$X"; do :; done"#, at: "$X"),
        UnsafeCase(#"declare -i n; export n="$X""#, at: "$X"),
        UnsafeCase(#"bash -c 'echo "${HOME:$X}"'"#, at: "$X"),
        UnsafeCase(#"echo "${HOME:1:$X}""#, at: "$X"),
        UnsafeCase(#"echo "${HOME:X}""#, at: "X}"),
        UnsafeCase(#"echo "${@:$X}""#, at: "$X"),
        UnsafeCase(#"echo "${HOME[$X]}""#, at: "$X"),
        UnsafeCase("bash -c 'echo $[X]'", at: "X]"),
        UnsafeCase(#"echo "$[$X + 1]""#, at: "$X"),
        UnsafeCase("a=([$X]=1)", at: "$X"),
        UnsafeCase(#"declare -a a=([0]=x [$X]=1)"#, at: "$X"),
    ])
    func arithmeticOfAValue(_ c: UnsafeCase) { check(c) }

    // MARK: Shell

    @Test(arguments: [
        UnsafeCase("alias r=\"$X\"\nr", at: "$X"),
        UnsafeCase(#"alias "$X""#, at: "$X"),
        UnsafeCase(#"alias r='eval "$X"'"#, at: "$X"),
        UnsafeCase(#"set -- "$X"; eval "$1""#, at: "$1", variable: "1"),
        UnsafeCase(#"set -- a "$X"; eval "$2""#, at: "$2", variable: "2"),
        UnsafeCase(#"set x "$X"; eval "$2""#, at: "$2", variable: "2"),
        UnsafeCase(#"set -- "$X"; eval "$@""#, at: "$@", variable: "@"),
        UnsafeCase(#"set -- $X; eval "$3""#, at: "$3", variable: "3"),
        UnsafeCase(#"set -- a "$X"; shift; eval "$1""#, at: "$1", variable: "1"),
        UnsafeCase(#"set -- "$X"; for a; do eval "$a"; done"#, at: "$a", variable: "a"),
        UnsafeCase(#"set -- "$X"; eval "${1}""#, at: "${1}", variable: "1"),
        UnsafeCase(#"sh -c 'eval "$1"' sh "$X""#, at: "$1", variable: "1"),
        UnsafeCase(#"bash -c 'eval "$@"' _ "$X""#, at: "$@", variable: "@"),
        UnsafeCase(#"sh -c 'eval "$0"' "$X""#, at: "$0", variable: "0"),
        UnsafeCase(#"sh -c 'eval "$2"' sh $Y "$X""#, at: "$2", variable: "2"),
        UnsafeCase(#"echo "$X" | xargs sh -c 'eval "$1"' _"#, at: "$1", variable: "1"),
        UnsafeCase("sh -s \"$X\" <<'EOF'\neval \"$1\"\nEOF", at: "$1", variable: "1"),
        UnsafeCase(#"sh -c 'sh -c "eval \"\$1\"" sh "$1"' sh "$X""#, at: "$1", variable: "1"),
    ])
    func shellCodeFromValues(_ c: UnsafeCase) { check(c) }

    @Test(arguments: [
        UnsafeCase("sh /dev/fd/3 3<<EOF\n$X\nEOF", at: "$X"),
        UnsafeCase(#"bash /dev/stdin <<< "$X""#, at: "$X"),
        UnsafeCase(#"bash /proc/self/fd/0 <<< "$X""#, at: "$X"),
        UnsafeCase(#"exec 3<<< "$X"; sh /dev/fd/3"#, at: "$X"),
        UnsafeCase(#"python3 /dev/fd/4 4<<< "$X""#, at: "$X"),
        UnsafeCase(#". /dev/stdin <<< "$X""#, at: "$X"),
        UnsafeCase("source /dev/fd/3 3<<EOF\n$X\nEOF", at: "$X"),
        UnsafeCase(#"{ sh /dev/fd/3; } 3<<< "$X""#, at: "$X"),
        UnsafeCase(#"sh /dev/fd/"$fd" {fd}<<< "$X""#, at: "$X"),
        UnsafeCase(#"sh 3<<< "$X" <&3"#, at: "$X"),
        UnsafeCase(#"sh -c 'sh /dev/fd/3' 3<<< "$X""#, at: "$X"),
        UnsafeCase("sh /dev/fd/3 3<<'EOF'\neval \"$X\"\nEOF", at: "$X"),
        UnsafeCase(#"awk -f /dev/fd/3 3<<< "$X""#, at: "$X"),
        UnsafeCase(#"exec <<< "$X"; read -r l; eval "$l""#, at: "$l", variable: "l"),
        UnsafeCase("{ sh; } <<'EOF'\neval \"$X\"\nEOF", at: "$X"),
        UnsafeCase(#"while read -r -u 3 l; do eval "$l"; done 3<<< "$X""#, at: "$l", variable: "l"),
        UnsafeCase(#"read -r l 3<<< "$X" < /dev/fd/3; eval "$l""#, at: "$l", variable: "l"),
        UnsafeCase(#"exec 3<<< "$X"; sh < /dev/fd/3"#, at: "$X"),
        UnsafeCase(#"sh /dev/fd/12 12<<< "$X""#, at: "$X"),
        UnsafeCase(#"{ exec 3<<< "$X"; sh /dev/fd/3; }"#, at: "$X"),
        UnsafeCase(#"while :; do exec <<< "$X"; sh; done"#, at: "$X"),
    ])
    func programsOnOtherDescriptors(_ c: UnsafeCase) { check(c) }

    @Test(arguments: [
        UnsafeCase(#"BASH_ENV="$X" bash -c true"#, at: "$X"),
        UnsafeCase(#"ENV="$X" sh -i"#, at: "$X"),
        UnsafeCase(#"PS4="$X" bash -xc true"#, at: "$X"),
        UnsafeCase(#"export PROMPT_COMMAND="$X""#, at: "$X"),
        UnsafeCase(#"env LD_PRELOAD="$X" ls"#, at: "$X"),
        UnsafeCase(#"env "BASH_FUNC_f%%=$X" bash -c f"#, at: "$X"),
        UnsafeCase("GIT_SSH_COMMAND=$X git fetch", at: "$X"),
        UnsafeCase(#"export GIT_CONFIG_VALUE_0="$X""#, at: "$X"),
        UnsafeCase(#"read -r LD_LIBRARY_PATH <<< "$X""#, at: "$X"),
        UnsafeCase(#"sudo PATH="$X:$PATH" make"#, at: "$X"),
        UnsafeCase(#"PATH="$X:$PATH""#, at: "$X"),
        UnsafeCase(#"PAGER=$X git log"#, at: "$X"),
        UnsafeCase(#"NODE_OPTIONS="--require $X" node app.js"#, at: "$X"),
    ])
    func valuesInVariablesThatHoldCode(_ c: UnsafeCase) { check(c) }

    @Test(arguments: [
        UnsafeCase(#"E=eval; $E "$X""#, at: "$X"),
        UnsafeCase(#"$CMD "$X""#, at: "$X"),
        UnsafeCase(#""${tool[@]}" --name "$X""#, at: "$X"),
        UnsafeCase(#"echo "$X" | $E"#, at: "$X"),
        UnsafeCase(#"sudo $E "$X""#, at: "$X"),
        UnsafeCase(#"$(command -v sh) -c "$X""#, at: "$X"),
        UnsafeCase(#""$DIR/sh" -c "$X""#, at: "$X"),
        UnsafeCase(#"${E:+eval} "$X""#, at: "$X"),
        UnsafeCase(#"cmd=(sh -c); "${cmd[@]}" "$X""#, at: "$X"),
    ])
    func programsThatAreNotNamed(_ c: UnsafeCase) { check(c) }

    @Test(arguments: [
        UnsafeCase(#"flock /tmp/l -c "$X""#, at: "$X"),
        UnsafeCase(#"flock -w 5 /tmp/l sh -c "$X""#, at: "$X"),
        UnsafeCase(#"flock /tmp/l -c 'eval "$X"'"#, at: "$X"),
        UnsafeCase(#"script -qc "$X" /dev/null"#, at: "$X"),
        UnsafeCase(#"script /dev/null -q -c "$X""#, at: "$X"),
        UnsafeCase(#"su -c "$X" bob"#, at: "$X"),
        UnsafeCase(#"su - bob -c "$X""#, at: "$X"),
        UnsafeCase(#"runuser -l bob -c "$X""#, at: "$X"),
        UnsafeCase(#"runuser -u bob -- sh -c "$X""#, at: "$X"),
        UnsafeCase(#"watch "$X""#, at: "$X"),
        UnsafeCase(#"watch -n 5 ls "$X""#, at: "$X"),
        UnsafeCase(#"watch -x sh -c "$X""#, at: "$X"),
        UnsafeCase(#"nohup sh -c "$X" &"#, at: "$X"),
        UnsafeCase(#"parallel "$X" ::: a"#, at: "$X"),
        UnsafeCase(#"parallel -j 4 ::: "$X""#, at: "$X"),
        UnsafeCase(#"echo "$X" | parallel"#, at: "$X"),
        UnsafeCase(#"docker exec c sh -c "$X""#, at: "$X"),
        UnsafeCase(#"docker exec -it -u root -e A=1 c bash -c "$X""#, at: "$X"),
        UnsafeCase(#"docker container exec c sh -c "$X""#, at: "$X"),
        UnsafeCase(#"podman exec c sh -c "$X""#, at: "$X"),
        UnsafeCase(#"kubectl exec pod -- sh -c "$X""#, at: "$X"),
        UnsafeCase(#"kubectl -n ns exec -it pod -c box -- bash -c "$X""#, at: "$X"),
        UnsafeCase(#"sg staff -c "$X""#, at: "$X"),
        UnsafeCase(#"echo "$X" | at now"#, at: "$X"),
        UnsafeCase(#"chroot /srv sh -c "$X""#, at: "$X"),
        UnsafeCase(#"unshare -r sh -c "$X""#, at: "$X"),
        UnsafeCase(#"taskset 1 sh -c "$X""#, at: "$X"),
        UnsafeCase(#"strace -f -o log sh -c "$X""#, at: "$X"),
        UnsafeCase(#"coproc sh -c "$X""#, at: "$X"),
        UnsafeCase(#"coproc { eval "$X"; }"#, at: "$X"),
        UnsafeCase(#"coproc worker { eval "$X"; }"#, at: "$X"),
        UnsafeCase(#"enable -f "$X" x"#, at: "$X"),
        UnsafeCase(#"hash -p "$X" ls"#, at: "$X"),
    ])
    func commandStringsOfOtherPrograms(_ c: UnsafeCase) { check(c) }

    @Test(arguments: [
        UnsafeCase(#"git -c core.sshCommand="$X" fetch"#, at: "$X"),
        UnsafeCase(#"git -c "$X" fetch"#, at: "$X"),
        UnsafeCase(#"git -c "alias.x=!$X" x"#, at: "$X"),
        UnsafeCase(#"git clone --upload-pack="$X" src dst"#, at: "$X"),
        UnsafeCase(#"git clone -u "$X" src dst"#, at: "$X"),
        UnsafeCase(#"git clone -c "credential.helper=$X" src dst"#, at: "$X"),
        UnsafeCase(#"git rebase -x "$X" main"#, at: "$X"),
        UnsafeCase(#"git rebase --exec 'eval "$X"' main"#, at: "$X"),
        UnsafeCase(#"git submodule foreach "$X""#, at: "$X"),
        UnsafeCase(#"git config core.pager "$X""#, at: "$X"),
        UnsafeCase(#"git config --global "$X" value"#, at: "$X"),
        UnsafeCase(#"git bisect run sh -c "$X""#, at: "$X"),
        UnsafeCase(#"git filter-branch --tree-filter "$X" HEAD"#, at: "$X"),
        UnsafeCase("git --config-env=core.pager=X log", at: "--config-env"),
        UnsafeCase(#"ssh -o ProxyCommand="$X" host true"#, at: "$X"),
        UnsafeCase(#"ssh -oLocalCommand="$X" host"#, at: "$X"),
        UnsafeCase(#"ssh -o "$X" host"#, at: "$X"),
        UnsafeCase(#"ssh -F "$X" host"#, at: "$X"),
        UnsafeCase(#"scp -o ProxyCommand="$X" a b:"#, at: "$X"),
        UnsafeCase(#"rsync -e "$X" a b:"#, at: "$X"),
        UnsafeCase(#"tar --to-command="$X" -xf a.tar"#, at: "$X"),
        UnsafeCase(#"tar -xf a.tar --checkpoint-action=exec="$X""#, at: "$X"),
        UnsafeCase(#"sort --compress-program "$X" file"#, at: "$X"),
        UnsafeCase(#"make --eval="$X""#, at: "$X"),
        UnsafeCase(#"gdb -batch -ex "$X""#, at: "$X"),
        UnsafeCase(#"vim -c "$X" file"#, at: "$X"),
        UnsafeCase(#"vim +"$X" file"#, at: "$X"),
        UnsafeCase(#"lua -e "$X""#, at: "$X"),
        UnsafeCase(#"Rscript -e "$X""#, at: "$X"),
        UnsafeCase(#"julia -e "$X""#, at: "$X"),
        UnsafeCase(#"echo "$X" | tclsh"#, at: "$X"),
    ])
    func optionsThatRunCommands(_ c: UnsafeCase) { check(c) }

    // MARK: Unquoted values

    @Test(arguments: [
        UnsafeCase("find . -maxdepth 1 -name f $X", at: "$X"),
        UnsafeCase("timeout $X sleep 1", at: "$X"),
        UnsafeCase("[ $X ]", at: "$X"),
        UnsafeCase("sed p ${X}", at: "${X}"),
        UnsafeCase("git clone $X dir", at: "$X"),
        UnsafeCase(#"ls $(echo "$X")"#, at: "$("),
        UnsafeCase("printf $X", at: "$X"),
        UnsafeCase("sudo -u $X id", at: "$X"),
        UnsafeCase(#"cmd "a"$X"#, at: "$X"),
        UnsafeCase(#"echo "$X" | xargs rm"#, at: "$X"),
        UnsafeCase(#"echo "$X" | xargs -n 1 find ."#, at: "$X"),
        UnsafeCase("env A=1 ssh-keygen -f $X", at: "$X"),
    ])
    func unquotedValuesInArguments(_ c: UnsafeCase) { check(c) }

    // MARK: Near misses

    @Test(arguments: [
        // Names
        #"printf -v out %s "$X""#,
        #"printf '%s\n' $X"#,
        #"read -r name <<< "$X"; echo "$name""#,
        #"read -r -a parts <<< "$X"; echo "${parts[0]}""#,
        "[[ -v X ]]",
        "test -v X",
        #"[ -n "$X" ] && [ -z "$Y" ]"#,
        #"mapfile -t lines <<< "$X"; printf '%s\n' "${lines[@]}""#,
        #"mapfile -C report -c 1 a <<< "$X""#,
        #"declare -r Y="$X"; echo "$Y""#,
        #"declare -A m; m[$X]=1; echo "${m[$X]}""#,
        #"declare -A m=([$X]=1)"#,
        #"declare -n r=Y; echo "$r" "$X""#,
        #"unset Y; echo "$X""#,
        #"echo "${X@Q}" "${X@U}""#,
        #"compgen -W 'start stop' -- "$X""#,
        // Arithmetic
        #"declare -i n=5; m=$X; echo "$m""#,
        #"declare n; n=$X; echo "$n""#,
        #"echo "${X:1:2}" "${X: -3}" "${X:-default}" "${HOME:-$X}" "${HOME:${#X}}""#,
        #"echo '$[X]' $[1 + 2]"#,
        // Shell
        "alias ll='ls -l'",
        #"alias r='echo "$X"'"#,
        #"set -- "$X"; echo "$1""#,
        #"set -- a "$X"; eval "$1""#,
        "set -e; set -o pipefail",
        #"set -- "$X"; sh -c 'eval "$1"' sh 'echo hi'"#,
        #"sh -c 'cmd "$1"' sh "$X""#,
        #"sh -c 'eval "$1"' sh 'echo hi' "$X""#,
        #"sh -c 'cmd "$@"' sh $X"#,
        #"su -c 'cmd "$1"' bob sh "$X""#,
        // Descriptors
        "sh /dev/fd/3 3<<'EOF'\necho \"$X\"\nEOF",
        #"cat /dev/fd/3 3<<< "$X""#,
        #"sh script.sh 3<<< "$X""#,
        #"sh /dev/fd/3 3< script.sh 4<<< "$X""#,
        #"exec 3<<< "$X"; cat <&3"#,
        #"sh 3<<< "$X" < script.sh"#,
        // Variables that hold code
        #"PATH="$HOME/bin:$PATH""#,
        "EDITOR=vim git commit",
        #"GIT_AUTHOR_NAME="$X" git commit -m m"#,
        #"LANG=C sort -- "$X""#,
        #"export BRANCH="$X""#,
        #"env BRANCH="$X" make"#,
        // Programs
        "$CMD --version",
        #""$DIR/tool" "$X""#,
        #""$HOME/bin/deploy" --branch "$X""#,
        #"flock /tmp/l make "$X""#,
        #"flock /tmp/l -c 'make "$X"'"#,
        #"watch -x ls "$X""#,
        #"watch 'ls "$X"'"#,
        #"parallel echo {} ::: "$X""#,
        #"docker exec c ls "$X""#,
        #"kubectl exec pod -- ls "$X""#,
        "script -qc make /dev/null",
        #"git -c user.name="$X" commit -m m"#,
        #"git commit -m "$X""#,
        #"git config user.email "$X""#,
        #"git rebase -x 'make test' main"#,
        #"git clone --branch "$X" src"#,
        "ssh -o 'ProxyCommand=nc %h %p' -o User=\"$X\" host ls",
        #"tar -xf "$X" -C out"#,
        #"rsync -a -e ssh -- "$X" host:dir/"#,
        #"make -C dir VERSION="$X""#,
        #"lua script.lua "$X""#,
        // Unquoted
        "echo $X",
        "set -- $X",
        #"for w in $X; do echo "$w"; done"#,
        "case $X in a) ;; esac",
        "[[ $X == a ]]",
        "Y=$X",
        "export Y=$X",
        "f() { local Y=$X; }",
        "cmd ${X:+--flag}",
        #"cmd ${X:+"$X"}"#,
        #"echo "$X" | xargs -0 rm --"#,
        #"echo "$X" | xargs -I{} rm -- {}"#,
        #"echo "$X" | xargs -d '\n' printf '%s\n'"#,
    ])
    func nearMissesAreNotReported(_ script: String) {
        #expect(scan(script, ["X"]) == [], "\(scan(script, ["X"]).map(\.message))")
    }

    @Test func unquotedValuesAreReportedOnceWithTheMostSpecificRule() {
        let findings = scan("eval $X")
        #expect(findings.count == 1)
        #expect(findings.first?.message.contains("`eval`") == true)
        let split = scan("rm -rf $X")
        #expect(split.first?.message.contains("split into words") == true)
        #expect(split.first?.message.contains("`rm`") == true)
        #expect(split.first?.hint.contains("\"$X\"") == true)
    }

    @Test func messagesNameTheConstruct() {
        #expect(scan(#"printf -v "$X" x"#).first?.message.contains("`printf -v`") == true)
        #expect(scan("declare -i n; n=$X").first?.message.contains("integer variable `n`") == true)
        #expect(scan("echo $[X]").first?.message.contains("`$[ … ]`") == true)
        #expect(scan(#"echo "${H:$X}""#).first?.message.hasPrefix("`${V:offset:length}` evaluates") == true)
        #expect(scan(#"PS4="$X""#).first?.message.contains("`PS4`") == true)
        #expect(scan(#"$E "$X""#).first?.message.contains("unknown") == true)
        #expect(scan(#"flock f -c "$X""#).first?.hint.contains("flock FILE cmd") == true)
        #expect(scan(#"sh /dev/fd/3 3<<< "$X""#).first?.message.contains("descriptor 3") == true)
        #expect(scan(#"set -- "$X"; eval "$1""#).first?.message.contains("the value of `$1`") == true)
    }

    @Test func positionalParametersOfANewShellAreItsOwn() {
        // The outer $1 carries a value; the inner shell's $1 is a literal.
        #expect(scan(#"set -- "$X"; sh -c 'eval "$1"' sh lit; echo "$1""#) == [])
        // After the inner shell, the outer $1 still carries the value.
        let findings = scan(#"set -- "$X"; sh -c 'echo "$1"' sh lit; eval "$1""#)
        #expect(findings.map(\.variable) == ["1"])
    }

    // MARK: Step environment

    @Test(arguments: [
        "BASH_ENV", "ENV", "PS1", "PS4", "PROMPT_COMMAND", "BASH_FUNC_f%%", "LD_PRELOAD", "LD_LIBRARY_PATH",
        "LD_AUDIT", "GIT_SSH_COMMAND", "GIT_PROXY_COMMAND", "GIT_EXTERNAL_DIFF", "GIT_CONFIG_PARAMETERS",
        "GIT_CONFIG_KEY_0", "GIT_EDITOR", "EDITOR", "VISUAL", "PAGER", "GIT_PAGER", "LESSOPEN", "PYTHONSTARTUP",
        "PERL5OPT", "NODE_OPTIONS", "RUBYOPT", "PATH",
    ])
    func codeVariablesInTheStepEnvironmentAreRefused(_ name: String) {
        #expect(ShellScriptScan.isCodeEnvironmentName(name))
        let finding = ShellScriptScan.environmentFinding(name: name)
        #expect(finding?.variable == name)
        #expect(finding?.offset == 0)
        #expect(finding?.message.contains("`\(name)`") == true)
        #expect(finding?.hint.isEmpty == false)
    }

    @Test(arguments: ["BRANCH", "IFS", "SHELLOPTS", "GIT_AUTHOR_NAME", "LANG", "X", "LD", "PS"])
    func otherVariablesInTheStepEnvironmentAreAccepted(_ name: String) {
        #expect(!ShellScriptScan.isCodeEnvironmentName(name))
        #expect(ShellScriptScan.environmentFinding(name: name) == nil)
    }

    @Test func theListsOfCodeVariablesAgree() {
        for name in ShellScriptScan.codeEnvironmentNames { #expect(ShellScriptScan.isCodeEnvironmentName(name)) }
        for prefix in ShellScriptScan.codeEnvironmentPrefixes {
            #expect(ShellScriptScan.isCodeEnvironmentName(prefix + "X"))
        }
    }
}
