/// One place where a script would parse a value as code, or a syntax problem that keeps the
/// script from being checked (then `variable` is nil).
public struct ShellScanFinding: Sendable, Hashable {
    /// Unicode scalars from the start of the script to the `$` of the expansion whose value would
    /// be parsed as code: `$(`, a backtick or `<(` for the output of a command substitution, the
    /// first letter for a variable named without `$` (in arithmetic or an array subscript). When
    /// the value reaches the code through a pipe, here-document, descriptor, `xargs` or an
    /// assignment (`PS4="$X"`, `read -r n <<< "$X"` into an integer), it is the expansion that puts
    /// the value there (the `$X` of `echo "$X" | sh`). For a value given by name in an option
    /// (`git --config-env=core.pager=X`) it is the option's word. A syntax problem points at the
    /// construct that is not closed or is too deep. ``ShellScriptScan/environmentFinding(name:)``
    /// has offset 0: it is about a step's `env` key, not a place in the script.
    public var offset: Int
    /// The value variable involved, when there is one (a positional parameter by its number).
    public var variable: String?
    /// What is wrong, in one sentence that names the construct and the variable.
    public var message: String
    /// The safe way to write it.
    public var hint: String

    public init(offset: Int, variable: String?, message: String, hint: String) {
        self.offset = offset
        self.variable = variable
        self.message = message
        self.hint = hint
    }
}

/// Finds the places in a shell step's `run` script where a value that arrives in an environment
/// variable would be parsed as code or would choose the code that runs: `eval "$X"`,
/// `sh -c "… $X"`, `echo "$X" | sh`, `python3 -c "…$X…"`, `. "$X"`, `"$X" args`, `$((X))` and the
/// like. Expanding `"$X"` as an argument is safe; these are the places where the script asks for
/// more. The lists below are exactly what is checked.
///
/// **Values.** The `values` variables; a variable assigned from a value (`Y=…`, `Y+=…`,
/// `declare`/`typeset`/`local`/`export`/`readonly`, `read` and `mapfile` from an input or
/// descriptor that carries a value, `printf -v`, `for`/`select` over words, `getopts` over
/// values); the output of a command substitution that expands a value; and the positional
/// parameters (`$1`…`$9`, `${10}`…, `$@`, `$*`) that `set -- ARGS` or `set ARGS` fills with
/// values — by position while the words before cannot split, all of them after `shift` or a
/// word that may split. Literal code run by a new shell (`sh -c '…' NAME ARGS…`, `sh -s ARGS`,
/// a here-document fed to a shell) is scanned with that shell's own parameters: `$0` is NAME,
/// `$1`… the ARGS that carry values. Function arguments are not followed (see the limits).
///
/// **Detected** (the rule named in the finding's message):
/// - Shell code: `eval`; a shell's `-c` string (`sh`, `bash`, `dash`, `zsh`, `ksh`, `mksh`, `ash`,
///   `yash`, `posh`, `fish` and the like); `trap`; `alias` definitions (dash expands aliases in
///   scripts); `mapfile -C`/`readarray -C` callbacks; `compgen -W` word lists and `compgen -C`;
///   `ssh HOST COMMAND…`; command strings that a program hands to a shell: `flock -c`,
///   `script -c`, `su -c`, `runuser -c`, `sg`, `watch` (without `-x`), GNU `parallel` (its
///   command; without one, its `:::` inputs, `::::` files and standard input);
///   `git submodule foreach`, `git rebase -x`/`--exec`, `git difftool -x`/`--extcmd`,
///   `git filter-branch --*-filter`, `--upload-pack`, `--receive-pack`, `--exec`, `git clone -u`.
/// - Program text of other interpreters: `python -c`, `perl -e`/`-E`, `ruby -e`, `node -e`/`-p`,
///   `php -r`, `awk` and `sed` programs and their `-e`, `lua`/`luajit`/`Rscript`/`R`/`osascript
///   -e`, `julia -e`/`-E`, `expect -c`, `bun -e`/`-p`.
/// - Options that run a command, evaluate code or load a file of code: `ssh`/`scp`/`sftp`
///   `-o ProxyCommand`, `LocalCommand`, `KnownHostsCommand`, `RemoteCommand`, `PKCS11Provider`,
///   `SecurityKeyProvider`, `Match` (and an `-o` whose name comes from a value) and `-F`;
///   `scp`/`sftp -S`; `rsync -e`/`--rsh`; `tar --to-command`, `-I`, `--use-compress-program`,
///   `--checkpoint-action`, `-F`, `--info-script`, `--new-volume-script`, `--rsh-command`,
///   `--rmt-command`; `sort --compress-program`; `zip -TT`/`--unzip-command`; `gdb -ex`,
///   `-iex`, `--eval-command`, `--init-eval-command`, `-x`, `-ix`, `--command`; `vim` (`nvim`,
///   `vi`, `view`, `ex`, `gvim`, `vimdiff`) `-c`, `--cmd`, `-S`, `+COMMAND`; `make --eval`/`-E`/
///   `-f`/`--file`/`--makefile`; `man -P`/`--pager`/`-H`/`--html`; `git -c`, `git clone -c`/
///   `--config`, `git --config-env` and `git config NAME VALUE` for settings that run commands
///   (`alias.*`, `core.sshCommand`, `core.pager`, `credential.helper`, `*.command`, … — see
///   `gitRunsCommand`) or whose name is a value; `git --exec-path=`.
/// - Programs read from a value: a shell or interpreter (also `at`, `batch`, `script`, `su`,
///   `tclsh`) reading its program from standard input — a pipe, here-document or here-string
///   that carries a value, or a file named by one — or from another descriptor:
///   `sh /dev/fd/3 3<<EOF`, `/dev/stdin`, `/proc/self/fd/N`, `/dev/fd/$fd {fd}<<<…`, `<&3`,
///   `< /dev/fd/3`, and descriptors set earlier by `exec 3<<<…` or on an enclosing `{ }`, loop or
///   subshell; `xargs` input placed in a command string; the script file of a shell or
///   interpreter, a program file (`awk -f`, `sed -f`, `php -f`, `expect -f`, `julia -L`,
///   `bash --rcfile`/`--init-file`, `at -f`) or a sourced file (`.`, `source`, `enable -f`)
///   named by a value.
/// - The value choosing the program: a value in the command name (also `hash -p`,
///   `compgen -F`, `env -S`, `su -s`); and a command name that is not literal (`$CMD`,
///   `"${cmd[@]}"`, `$(command -v sh)`, `${E:+eval}`) while its arguments or standard input carry
///   a value — the program is unknown. `"$DIR/tool"` counts as the literal name `tool`.
/// - Arithmetic, where bash runs the command substitutions of array subscripts (a[$(cmd)]) in
///   the value of a variable it evaluates: `$(( ))`, `(( ))`, `for (( ))`, `let`, `$[ ]`,
///   `[[ … -eq … ]]` and the other integer comparisons of `[[`, subscripts of indexed arrays
///   (`a[$X]=…`, `${a[$X]}`, `a=([$X]=…)`; arrays declared `-A` are exempt), the offset and
///   length of `${V:offset:length}`, `declare -i` (`typeset`, `local`), and every kind of
///   assignment (`=`, `+=`, `read`, `printf -v`, `for`, `export`, `declare`) to a variable
///   declared `-i` earlier in the script.
/// - A value used as a variable name, whose subscript bash evaluates: `${!X}`, `printf -v`,
///   the names of `read` (and `-a`), `mapfile` and `readarray`, `test -v`, `[ -v ]`, `[[ -v ]]`,
///   `unset`, the names given to `declare`/`typeset`/`local`/`export`/`readonly`, assignments to
///   a name reference (`declare -n`), and value variables named in a literal subscript there
///   (`test -v 'a[X]'`). Also `${X@P}`, which expands the value as a prompt.
/// - A value assigned (in any of the ways above, or by `env NAME=…`/`sudo NAME=…`) to a variable
///   that shells, the dynamic loader or common programs read as code or as where code is:
///   ``codeEnvironmentNames`` and ``codeEnvironmentPrefixes``. The step's own `env` keys are
///   checked with ``environmentFinding(name:)``.
/// - Word splitting: an unquoted expansion of a value among a command's arguments (it becomes
///   several words and globs, so the value can add options such as `find -exec`, `sed -e` or
///   `test -v`), and `xargs` input split at blanks (without `-0`/`-d`) — except where the words
///   cannot become options: the arguments of `echo`, `:`, `true` and `false`, those after
///   `printf`'s format, after `set --` and after `sh -c STRING`, and assignments given to
///   declaration builtins. It is reported only where no other rule points at the same expansion.
///
/// Values are followed through wrappers: `command`, `builtin`, `busybox`, `exec`, `time`,
/// `nohup`, `setsid`, `nice`, `ionice`, `stdbuf`, `timeout`, `env`, `sudo`, `doas`, `xargs`,
/// `find -exec`/`-execdir`/`-ok`/`-okdir`, `coproc`, `chroot`, `unshare`, `nsenter`, `setpriv`,
/// `taskset`, `chrt`, `strace`, `ltrace`, `fakeroot`, `dbus-run-session`, `xvfb-run`,
/// `flock FILE COMMAND`, `runuser -u`, `watch -x`, `docker`/`podman` `exec`,
/// `kubectl exec … -- COMMAND`, `git bisect run`; into `$( )`, backticks, `<( )`, compound
/// commands and the redirections after them; and into literal code that runs: `eval '…'`,
/// `sh -c '…'`, a quoted here-document fed to a shell, `trap`, `alias`, `mapfile -C` and
/// `compgen` text, and the command strings above.
///
/// **Not detected** (known limits):
/// - Shell functions: their arguments are not values inside them (`f() { eval "$1"; }; f "$X"`).
/// - Values that reach code through the file system: written to a file that runs later
///   (`echo "$X" > f.sh; . ./f.sh`, git hooks, `~/.bashrc`), or choosing a directory whose code
///   runs (`cd "$X" && make`, `make -C`, `git -C`, `GIT_DIR`).
/// - Programs and options not listed above: `docker run … sh -c`, `docker compose exec`,
///   `tmux`, `screen`, `systemd-run`, SQL clients (`psql -c`, `mysql -e`, `sqlite3`), `pwsh`,
///   abbreviated long options (`tar --to-com=…`), build tools that read other variables as
///   commands (make's `$(CC)`, `GOFLAGS=-toolexec`, `RUSTC_WRAPPER`), and interactive-only
///   builtins (`complete -C`, `bind -x`, `fc`).
/// - A quoted value that starts with `-`, read as an option by the program
///   (`git clone "$X"` with `X=--upload-pack=…`): end the options with `--`.
/// - Variables not in the code lists, such as `IFS`, `SHELLOPTS` and `BASHOPTS` (they set
///   options; the variables those options read, such as `PS4`, are listed).
///
/// The scan is static, in source order, and errs towards findings: a variable never stops
/// carrying a value (reassignment and `unset` do not clear it), `declare -i`/`-n`/`-A` hold for
/// the name from there on in every scope, `exec` redirections and assignments in `( )` are not
/// undone after it (those in `$( )` are), and scripts it cannot parse are refused. It is linear
/// in the script's length, and nesting is limited to ``ShellScriptScan/maxNesting`` levels.
public enum ShellScriptScan {
    /// The deepest nesting of `$( … )`, backticks, quotes and `${ … }` that is checked; a deeper
    /// script gets a finding instead.
    public static let maxNesting = ShellScriptLexer.maxDepth

    /// Places in `script` where the value of one of `values` (names of environment variables
    /// that carry data) would be parsed as code, in script order.
    public static func findings(in script: String, values: Set<String>) -> [ShellScanFinding] {
        var lexer = ShellScriptLexer(Array(script.unicodeScalars))
        let syntax: ShellScriptSyntax
        do throws(ShellScriptSyntaxError) {
            syntax = try lexer.parse()
        } catch {
            return [ShellScanFinding(syntax: error, inString: false)]
        }
        var analyzer = ShellScriptAnalyzer(values: values)
        analyzer.heredocs = lexer.heredocs
        analyzer.analyze(syntax)
        // An unquoted expansion is reported as such only where no other rule points at it.
        let reported = Set(analyzer.findings.map(\.offset))
        let all = analyzer.findings + analyzer.splitFindings.filter { !reported.contains($0.offset) }
        var seen: Set<ShellScanFinding> = []
        return all.enumerated()
            .sorted { ($0.element.offset, $0.offset) < ($1.element.offset, $1.offset) }
            .map(\.element)
            .filter { seen.insert($0).inserted }
    }
}
