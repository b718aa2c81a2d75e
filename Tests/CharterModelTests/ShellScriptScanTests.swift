import Testing

@testable import CharterModel

/// A script that must be reported: the first finding points at the first occurrence of `at`
/// and names `variable`.
struct UnsafeCase: Sendable, CustomTestStringConvertible {
    var script: String
    var at: String
    var variable: String
    var count: Int

    init(_ script: String, at: String, variable: String = "X", count: Int = 1) {
        self.script = script
        self.at = at
        self.variable = variable
        self.count = count
    }

    var testDescription: String { script }

    /// The offset, in Unicode scalars, of the first occurrence of `at` in the script.
    var expectedOffset: Int {
        let s = Array(script.unicodeScalars)
        let n = Array(at.unicodeScalars)
        for k in 0...(s.count - n.count) where Array(s[k..<(k + n.count)]) == n { return k }
        return -1
    }
}

func scan(_ script: String, _ values: Set<String> = ["X"]) -> [ShellScanFinding] {
    ShellScriptScan.findings(in: script, values: values)
}

func check(_ c: UnsafeCase) {
    let findings = scan(c.script)
    #expect(findings.count == c.count, "\(findings.map(\.message))")
    guard let first = findings.first else { return }
    #expect(c.expectedOffset >= 0)
    #expect(first.offset == c.expectedOffset, "\(first.message)")
    #expect(first.variable == c.variable)
    // A positional parameter is named as written: `$1`.
    #expect(first.message.contains("`\(c.variable)`") || first.message.contains("`$\(c.variable)`"))
    #expect(!first.hint.isEmpty)
}

@Suite struct ShellScriptScanTests {
    // MARK: Rules

    @Test(arguments: [
        UnsafeCase(#"eval "$X""#, at: "$X"),
        UnsafeCase("eval echo $X", at: "$X"),
        UnsafeCase(#"eval "echo ${X}""#, at: "${X}"),
        UnsafeCase(#"eval "${X:-default}""#, at: "${X"),
        UnsafeCase(#"eval "$(echo "$X")""#, at: "$("),
        UnsafeCase("if true; then eval \"$X\"; fi", at: "$X"),
        UnsafeCase("while :; do\n  eval $X\ndone", at: "$X"),
        UnsafeCase(#"eval 'eval "$X"'"#, at: "$X"),
        UnsafeCase(#"builtin eval "$X""#, at: "$X"),
        UnsafeCase("case a in a) eval \"$X\" ;; esac", at: "$X"),
        UnsafeCase(#"function f { eval "$X"; }"#, at: "$X"),
        UnsafeCase(#"for a; do eval "$X"; done"#, at: "$X"),
        UnsafeCase("for a\ndo\n  eval \"$X\"\ndone", at: "$X"),
        UnsafeCase(#"f() { eval "$X"; }"#, at: "$X"),
        UnsafeCase("function f() {\n  eval \"$X\"\n}", at: "$X"),
    ])
    func evalOfAValue(_ c: UnsafeCase) { check(c) }

    @Test(arguments: [
        UnsafeCase(#"sh -c "$X""#, at: "$X"),
        UnsafeCase(#"bash -ec "make $X""#, at: "$X"),
        UnsafeCase(#"/bin/sh -c "x $X""#, at: "$X"),
        UnsafeCase(#"sh -c "echo \"$X\"""#, at: "$X"),
        UnsafeCase(#"dash -xc "$X""#, at: "$X"),
        UnsafeCase(#"zsh -lc "$X""#, at: "$X"),
        UnsafeCase(#"busybox sh -c "$X""#, at: "$X"),
        UnsafeCase(#"bash -o pipefail -c "$X""#, at: "$X"),
        UnsafeCase(#"sh -c -e "$X""#, at: "$X"),
        UnsafeCase(#"fish -c "$X""#, at: "$X"),
        UnsafeCase(#"sh -c 'eval "$X"'"#, at: "$X"),
        UnsafeCase(#"sh -c "$(printf %s "$X")""#, at: "$("),
    ])
    func shellCommandString(_ c: UnsafeCase) { check(c) }

    @Test(arguments: [
        UnsafeCase(#"python3 -c "print('$X')""#, at: "$X"),
        UnsafeCase(#"python -u -c "$X""#, at: "$X"),
        UnsafeCase(#"perl -e "$X""#, at: "$X"),
        UnsafeCase(#"perl -le "print $X""#, at: "$X"),
        UnsafeCase(#"perl -e"$X""#, at: "$X"),
        UnsafeCase(#"ruby -e "$X""#, at: "$X"),
        UnsafeCase(#"node -e "$X""#, at: "$X"),
        UnsafeCase(#"node --eval "$X""#, at: "$X"),
        UnsafeCase(#"node --eval="$X""#, at: "$X"),
        UnsafeCase(#"nodejs -p "$X""#, at: "$X"),
        UnsafeCase(#"php -r "$X""#, at: "$X"),
        UnsafeCase(#"awk "{print \"$X\"}""#, at: "$X"),
        UnsafeCase(#"awk -F: -v a=1 "{print \$1 \"$X\"}" file"#, at: "$X"),
        UnsafeCase(#"gawk -e "$X""#, at: "$X"),
        UnsafeCase(#"busybox awk "$X""#, at: "$X"),
        UnsafeCase(#"sed "s/a/$X/""#, at: "$X"),
        UnsafeCase(#"sed -n -e p -e "s/a/$X/" file"#, at: "$X"),
        UnsafeCase(#"sed --expression="s/$X//" file"#, at: "$X"),
        UnsafeCase(#"sed -i.bak "s/a/$X/" file"#, at: "$X"),
        UnsafeCase(#"awk -f "$X" data"#, at: "$X"),
        UnsafeCase(#"python3 "$X" arg"#, at: "$X"),
        UnsafeCase(#"bash "$X""#, at: "$X"),
    ])
    func inlineProgram(_ c: UnsafeCase) { check(c) }

    @Test(arguments: [
        UnsafeCase(#"echo "$X" | sh"#, at: "$X"),
        UnsafeCase(#"printf %s "$X" | bash -s"#, at: "$X"),
        UnsafeCase("sh <<EOF\n$X\nEOF", at: "$X"),
        UnsafeCase("sh <<-EOF\n\techo $X\n\tEOF\necho done", at: "$X"),
        UnsafeCase("cat <<EOF | sh\n$X\nEOF", at: "$X"),
        UnsafeCase(#"bash <<< "$X""#, at: "$X"),
        UnsafeCase(#"echo "$X" | python3"#, at: "$X"),
        UnsafeCase(#"echo "$X" | python3 -"#, at: "$X"),
        UnsafeCase(#"echo "$X" | grep . | tee log | bash"#, at: "$X"),
        UnsafeCase(#"( echo "$X" ) | sh"#, at: "$X"),
        UnsafeCase("{ echo \"$X\"; } | sh", at: "$X"),
        UnsafeCase("awk -f - <<EOF\n$X\nEOF", at: "$X"),
        UnsafeCase(#"echo "$X" | xargs sh -c"#, at: "$X"),
        UnsafeCase(#"echo "$X" | xargs -I{} sh -c "echo {}""#, at: "$X"),
        UnsafeCase(#"echo "$X" | ssh host sh"#, at: "$X"),
        UnsafeCase(#"echo "$X" | while read -r l; do eval "$l"; done"#, at: "$l", variable: "l"),
        UnsafeCase(#"while read -r l; do eval "$l"; done <<< "$X""#, at: "$l", variable: "l"),
        UnsafeCase("while read -r l; do\n  sh -c \"$l\"\ndone < <(printf '%s\\n' \"$X\")", at: "$l", variable: "l"),
        UnsafeCase(#"{ read -r a; eval "$a"; } <<< "$X""#, at: "$a", variable: "a"),
        UnsafeCase(#"echo "$X" | { read -r a; read -r b; eval "$b"; }"#, at: "$b", variable: "b"),
        UnsafeCase(#"sh < "$X""#, at: "$X"),
        UnsafeCase(#"python3 - < "$X".py"#, at: "$X"),
    ])
    func programOnStandardInput(_ c: UnsafeCase) { check(c) }

    @Test(arguments: [
        UnsafeCase(#". "$X""#, at: "$X"),
        UnsafeCase("source $X/env.sh", at: "$X"),
        UnsafeCase(#"source -- "$X""#, at: "$X"),
        UnsafeCase(#". <(echo "$X")"#, at: "<("),
    ])
    func sourcedFile(_ c: UnsafeCase) { check(c) }

    @Test(arguments: [
        UnsafeCase(#""$X" --version"#, at: "$X"),
        UnsafeCase("$X arg", at: "$X"),
        UnsafeCase("${X}/bin/tool", at: "${X}"),
        UnsafeCase(#"FOO=1 "$X""#, at: "$X"),
        UnsafeCase("$(echo $X) arg", at: "$("),
        UnsafeCase("`echo $X` arg", at: "`"),
        UnsafeCase(#"env -S "$X""#, at: "$X"),
        UnsafeCase(#"x | "$X""#, at: "$X"),
    ])
    func valueAsCommandName(_ c: UnsafeCase) { check(c) }

    @Test(arguments: [
        UnsafeCase("echo $((X + 1))", at: "X +"),
        UnsafeCase("echo $(( $X + 1 ))", at: "$X"),
        UnsafeCase("(( X > 2 ))", at: "X >"),
        UnsafeCase(#"let "y = X""#, at: "X\""),
        UnsafeCase("let y=X+1", at: "X+"),
        UnsafeCase(#"let "y = $X""#, at: "$X"),
        UnsafeCase("[[ $X -gt 2 ]]", at: "$X"),
        UnsafeCase("[[ 3 -eq X ]]", at: "X ]]"),
        UnsafeCase("if [[ -n y && $X -lt 2 ]]; then :; fi", at: "$X"),
        UnsafeCase("declare -i n=$X", at: "$X"),
        UnsafeCase(#"typeset -i n="X""#, at: "X\""),
        UnsafeCase("a[$X]=1", at: "$X"),
        UnsafeCase(#"echo "${a[$X]}""#, at: "$X"),
        UnsafeCase("echo ${a[X]}", at: "X]"),
        UnsafeCase("for ((i = 0; i < X; i++)); do :; done", at: "X;"),
        UnsafeCase("echo $(( $(echo $X) ))", at: "$(echo"),
    ])
    func arithmeticOfAValue(_ c: UnsafeCase) { check(c) }

    @Test(arguments: [
        UnsafeCase(#"env FOO=1 sh -c "$X""#, at: "$X"),
        UnsafeCase(#"env -i -u HOME PATH=/bin sh -c "$X""#, at: "$X"),
        UnsafeCase(#"timeout 5 bash -c "$X""#, at: "$X"),
        UnsafeCase(#"timeout -s KILL --foreground 5 bash -c "$X""#, at: "$X"),
        UnsafeCase(#"command sh -c "$X""#, at: "$X"),
        UnsafeCase(#"exec sh -c "$X""#, at: "$X"),
        UnsafeCase(#"nohup sh -c "$X""#, at: "$X"),
        UnsafeCase(#"time -p sh -c "$X""#, at: "$X"),
        UnsafeCase(#"nice -n 5 sh -c "$X""#, at: "$X"),
        UnsafeCase(#"ionice -c 3 sh -c "$X""#, at: "$X"),
        UnsafeCase(#"stdbuf -oL -e 0 sh -c "$X""#, at: "$X"),
        UnsafeCase(#"setsid sh -c "$X""#, at: "$X"),
        UnsafeCase(#"sudo -u bob -E sh -c "$X""#, at: "$X"),
        UnsafeCase(#"doas -u bob sh -c "$X""#, at: "$X"),
        UnsafeCase(#"sudo env A=1 nice timeout 5 sh -c "$X""#, at: "$X"),
        UnsafeCase(#"xargs sh -c "$X""#, at: "$X"),
        UnsafeCase(#"xargs -0 -n 1 -P 4 sh -c "$X""#, at: "$X"),
        UnsafeCase(#"find . -name x -exec sh -c "$X" \;"#, at: "$X"),
        UnsafeCase(#"find . -type f -execdir bash -c "$X" _ {} +"#, at: "$X"),
        UnsafeCase(#"find . -exec rm {} \; -exec sh -c "$X" ';'"#, at: "$X"),
        UnsafeCase(#"ssh host "ls $X""#, at: "$X"),
        UnsafeCase(#"ssh -p 22 -i key host ls "$X""#, at: "$X"),
    ])
    func wrappedCommands(_ c: UnsafeCase) { check(c) }

    @Test(arguments: [
        UnsafeCase(#"Y="pre $X"; eval "$Y""#, at: "$Y", variable: "Y"),
        UnsafeCase("Y=$(echo \"$X\"); sh -c \"$Y\"", at: "$Y", variable: "Y"),
        UnsafeCase("Y=`echo $X`\neval $Y", at: "$Y", variable: "Y"),
        UnsafeCase(#"read -r Y <<< "$X"; eval "$Y""#, at: "$Y", variable: "Y"),
        UnsafeCase("read -r A B <<EOF\n$X\nEOF\neval \"$B\"", at: "$B", variable: "B"),
        UnsafeCase("echo \"$X\" | read -r Y\neval \"$Y\"", at: "$Y", variable: "Y"),
        UnsafeCase("for f in $X; do eval \"$f\"; done", at: "$f", variable: "f"),
        UnsafeCase(#"export Y="$X"; bash -c "$Y""#, at: "$Y", variable: "Y"),
        UnsafeCase(#"local Y=${X%/}; eval "$Y""#, at: "$Y", variable: "Y"),
        UnsafeCase(#"readonly Y=$X Z=1; eval "$Y""#, at: "$Y", variable: "Y"),
        UnsafeCase(#"printf -v Y '%s' "$X"; eval "$Y""#, at: "$Y", variable: "Y"),
        UnsafeCase(#"mapfile -t L <<< "$X"; eval "$L""#, at: "$L", variable: "L"),
        UnsafeCase(#"A=(a "$X"); eval "${A[1]}""#, at: "${A", variable: "A"),
        UnsafeCase("Y=$X\nZ=\"$Y\"\nsh -c \"$Z\"", at: "$Z", variable: "Z"),
        UnsafeCase(#"Y=$X; echo "$(eval "$Y")""#, at: "$Y\")", variable: "Y"),
    ])
    func valuesFlowThroughVariables(_ c: UnsafeCase) { check(c) }

    @Test(arguments: [
        UnsafeCase(#"echo "$(eval "$X")""#, at: "$X"),
        UnsafeCase(#"echo "$(echo "$(sh -c "$X")")""#, at: "$X"),
        UnsafeCase("echo `eval $X`", at: "$X"),
        UnsafeCase(#"echo `echo \`eval $X\``"#, at: "$X"),
        UnsafeCase(#"echo "`sh -c \"$X\"`""#, at: "$X"),
        UnsafeCase("x=$(case a in a) eval \"$X\";; esac)", at: "$X"),
        UnsafeCase("diff <(sh -c \"$X\") file", at: "$X"),
        UnsafeCase(#"echo "${Y:-$(eval "$X")}""#, at: "$X"),
    ])
    func nestedScripts(_ c: UnsafeCase) { check(c) }

    @Test(arguments: [
        UnsafeCase(#"echo "${!X}""#, at: "${!X}"),
        UnsafeCase(#"trap "$X" EXIT"#, at: "$X"),
        UnsafeCase(#"trap 'eval "$X"' EXIT"#, at: "$X"),
        UnsafeCase("sh <<'EOF'\neval \"$X\"\nEOF", at: "$X"),
        UnsafeCase("sh <<EOF\neval \"\\$X\"\nEOF", at: "$X"),
        UnsafeCase(#"bash <<< 'eval "$X"'"#, at: "$X"),
    ])
    func otherCodeContexts(_ c: UnsafeCase) { check(c) }

    // MARK: Near misses

    @Test(arguments: [
        #"git clone --branch "$X" src"#,
        #"echo "$X" > out.txt"#,
        #"printf '%s\n' "$X""#,
        #"sh -c 'echo "$X"'"#,
        #"bash -c 'git log "$1"' _ "$X""#,
        #"sh -c 'printf "%s\n" "$1"' sh "$X""#,
        #"awk -v v="$X" 'BEGIN{print v}'"#,
        #"awk -v "v=$X" '{print v}' file"#,
        "cat <<'EOF' | sh\n$X\nEOF",
        "cat <<EOF\n$X\nEOF",
        "cat <<EOF | grep a\n$X\nEOF",
        "sh <<'EOF'\necho \"$X\"\nEOF",
        "sh <<EOF\necho \"\\$X\"\nEOF",
        #"grep -- "$X" file"#,
        #"test "$X" = y"#,
        #"[ "$X" -eq 1 ]"#,
        #"test "$X" -gt 2"#,
        "echo ${#X}",
        "echo $(( ${#X} + 1 ))",
        "local n=${#X}",
        #"eval "$(ssh-agent -s)""#,
        #"eval "$Y""#,
        #"sh -c "$Y" _ "$X""#,
        #"eval 'echo "$X"'"#,
        #"eval "echo \$X""#,
        #"trap 'rm -f "$X"' EXIT"#,
        "echo $(( 1 + 2 ))",
        "[[ $X == y* ]]",
        "[[ -n $X && -z $Y ]]",
        #"case "$X" in a|b) echo ok ;; *) echo no ;; esac"#,
        #"python3 -c 'import os; print(os.environ["X"])'"#,
        #"python3 -c 'import sys; print(sys.argv[1])' "$X""#,
        #"python3 script.py "$X""#,
        #"python3 -m pip install "$X""#,
        #"perl -e 'print $ENV{X}' -- "$X""#,
        #"node -e 'console.log(process.env.X)'"#,
        #"sed 's/a/b/' "$X""#,
        #"sed -e 's/a/b/' -- "$X""#,
        #"awk '{print}' "$X""#,
        #"echo "$X" | grep foo"#,
        #"echo "$X" | awk '{print}'"#,
        #"echo "$X" | sed 's/a/b/'"#,
        #"echo "$X" | bash script.sh"#,
        #"echo "$X" | sh -c 'cat'"#,
        #"echo "$X" | xargs printf '%s\n'"#,
        #"echo "$X" | xargs sh -c 'echo "$1"' _"#,
        #"echo "$X" | xargs -I{} echo {}"#,
        #"echo "$X" | while read -r l; do echo "$l"; done"#,
        #"find . -name "$X" -exec rm {} \;"#,
        #"ssh host 'ls "$X"'"#,
        #"env FOO="$X" make"#,
        #"timeout "$X" sleep 1"#,
        #"command -v "$X""#,
        #"exec 3< "$X""#,
        #"diff <(echo "$X") file"#,
        #"Y=$(date); eval "$Y""#,
        #"for f in a b; do eval "$f"; done"#,
        #"read -r Y < file; eval "$Y""#,
        #"echo "${X//a/b}" "${X:-none}" "${X#pre}""#,
        #"f() { echo "$1"; }; f "$X""#,
        "function f { echo \"$1\"; }\nf \"$X\"",
        "# eval \"$X\"\necho ok",
        "echo '$X' 'eval $X' \"\\$X\"",
        #"echo $'eval $X'"#,
        #"if [ -n "$X" ]; then echo "$X"; fi"#,
        #"(cd dir && make "$X")"#,
        #"x=$((1 + 2)); y=$(( (1) ))"#,
        #"echo "$X" 2>&1 >/dev/null | tee -a log"#,
        #"jq -r --arg x "$X" '.a'"#,
        #"x=$(Y=$X); eval "$Y""#,
        #"a=("$X" b); arr+=("$X"); declare -A m=([k]="$X")"#,
        "local -a l=(\n  one  # first\n  \"$X\"\n)",
        #"read -r Y < "$X"; eval "$Y""#,
        #"while read -r l; do eval "$l"; done < "$X""#,
        #"echo "$X" | while read -r l; do echo "$l"; done > out.txt"#,
        #"while read -r l; do echo "$l"; done <<< "$X" | grep a"#,
        "f() {\n  eval \"$1\"\n}",
    ])
    func nearMissesAreNotReported(_ script: String) {
        #expect(scan(script, ["X"]) == [])
    }

    @Test func onlyValueVariablesCount() {
        #expect(scan(#"eval "$X""#, []) == [])
        #expect(scan(#"eval "$X""#, ["Y"]) == [])
        #expect(scan(#"eval "$X" "$Y""#, ["X", "Y"]).map(\.variable) == ["X", "Y"])
    }

    @Test func everyExpansionIsReportedInScriptOrder() {
        let script = "sh -c \"$X $X\"\neval \"$X\""
        let findings = scan(script)
        #expect(findings.map(\.offset) == [7, 10, 20])
        #expect(findings.map(\.variable) == ["X", "X", "X"])
    }

    @Test func messagesNameTheConstructAndTheSafeForm() {
        let shell = scan(#"bash -c "$X""#)
        #expect(shell.first?.message.contains("`bash -c`") == true)
        #expect(shell.first?.hint.contains("bash -c 'cmd \"$1\"' bash \"$X\"") == true)
        let python = scan(#"python3 -c "$X""#)
        #expect(python.first?.hint.contains("os.environ['X']") == true)
        let piped = scan(#"echo "$X" | sh"#)
        #expect(piped.first?.message.contains("pipe") == true)
    }

    @Test func offsetsCountUnicodeScalars() {
        let script = "echo 'é🙂'; eval \"$X\""
        #expect(scan(script).first?.offset == 17)
    }

    @Test func offsetsInsideBackticksPointIntoTheScript() {
        let script = #"echo `echo \`eval "\$X"\``"#
        let findings = scan(script)
        // Inside two levels of backticks `\$X` is `$X`; the finding points at the backslash-free `$`.
        #expect(findings.count == 1)
        if let f = findings.first {
            let s = Array(script.unicodeScalars)
            #expect(s[f.offset] == "$")
            #expect(s[f.offset + 1] == "X")
        }
    }

    // MARK: Syntax

    @Test(arguments: [
        ("echo 'abc", 5),
        ("echo \"abc", 5),
        ("echo $(ls", 5),
        ("echo `ls", 5),
        ("echo ${X", 5),
        ("cat <<EOF\nbody\n", 4),
        ("cat <<EOF", 4),
        ("echo $((1 + 2)", 5),
        ("[[ a == b", 0),
        ("echo )", 5),
        ("echo $'abc", 5),
        ("x=$(echo \"a)\"", 2),
        ("a=(b c", 2),
    ])
    func uncheckableSyntaxIsReported(_ c: (String, Int)) {
        let findings = scan(c.0)
        #expect(findings.count == 1)
        #expect(findings.first?.variable == nil)
        #expect(findings.first?.offset == c.1)
        #expect(findings.first?.message.contains("cannot be checked") == true)
    }

    @Test func syntaxProblemsInsideRunStringsAreReported() {
        let findings = scan(#"sh -c 'echo "unclosed'"#)
        #expect(findings.count == 1)
        #expect(findings.first?.variable == nil)
        #expect(findings.first?.offset == 12)
    }

    /// A script too deeply nested to check, named for the test log.
    struct Deep: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var script: String
        init(_ name: String, _ open: String, _ middle: String, _ close: String) {
            testDescription = name
            script = String(repeating: open, count: 10_000) + middle + String(repeating: close, count: 10_000)
        }
    }

    @Test(arguments: [
        Deep("command substitutions", "$(", "", ")"),
        Deep("quoted command substitutions", "\"$(", "", ")\""),
        Deep("parameter expansions", "${X:-", "", "}"),
        Deep("arithmetic expansions", "echo $((", "1", "))"),
        Deep("subshells", "( ", "ls", " )"),
        Deep("process substitutions", "cat <(", "ls", ")"),
        Deep("unclosed command substitutions", "$(", "", ""),
    ])
    func deepNestingIsRefused(_ c: Deep) {
        let findings = scan(c.script)
        #expect(findings.count == 1)
        #expect(findings.first?.variable == nil)
        #expect(findings.first?.message.contains("deeper than") == true)
    }

    @Test func nestingUpToTheLimitIsChecked() {
        let depth = ShellScriptScan.maxNesting / 2 - 1
        let script =
            "echo " + String(repeating: "\"$(echo ", count: depth) + "\"$(eval $X)\""
            + String(repeating: ")\"", count: depth)
        let findings = scan(script)
        #expect(findings.map(\.variable) == ["X"])
        #expect(findings.first?.offset == UnsafeCase(script, at: "$X").expectedOffset)
    }

    @Test func wrappersNestOnlySoDeep() {
        let script = String(repeating: "find . -exec ", count: 1000) + "ls"
        let findings = scan(script)
        #expect(findings.count == 1)
        #expect(findings.first?.variable == nil)
    }

    @Test func aLargeSafeScriptHasNoFindings() {
        let lines = [
            #"git clone --branch "$X" "https://example.com/$X.git" src"#,
            #"if [ "$X" = main ]; then echo "$(date) ${X:-none}" >> log; fi"#,
            "cat <<EOF > notes.txt\nbranch: $X\nEOF",
            #"for f in *.txt; do printf '%s\n' "$f" | sed 's/a/b/'; done"#,
            #"Y=$(git rev-parse HEAD); echo "$Y" | tr a-z A-Z"#,
        ]
        var script = ""
        while script.utf8.count < 1 << 20 {
            for line in lines { script += line + "\n" }
        }
        #expect(scan(script) == [])
        let unsafe = script + "eval \"$X\"\n"
        #expect(scan(unsafe).count == 1)
    }
}
