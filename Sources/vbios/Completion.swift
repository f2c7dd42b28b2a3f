import ArgumentParser
import PCIHost
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Shell completion of PCI addresses: the devices present when TAB is pressed, as
/// `vbios list --all --json` lists them (under the --sysfs already typed on the line). The shells'
/// scripts (`vbios --generate-completion-script bash|zsh|fish`) call back into vbios for them.
enum PCICompletion {
    static let addresses = CompletionKind.custom { words, _, prefix in
        let found = candidates(sysfs: sysfsValue(in: words), prefix: prefix)
        // zsh's _describe, which argument-parser's script hands these to, reads "value:description":
        // the address's own colons are escaped. The script says which shell asks in SAP_SHELL.
        guard let shell = getenv("SAP_SHELL"), String(cString: shell) == "zsh" else { return found }
        return found.map { $0.replacing(":", with: "\\:") }
    }

    static func candidates(sysfs: String?, prefix: String) -> [String] {
        guard let devices = try? PCIDevice.all(root: SysfsRoot(sysfs ?? "/sys")) else { return [] }
        // Display devices first: they are what passthrough is about; both spellings match a prefix.
        let ordered = devices.filter(\.isDisplay) + devices.filter { !$0.isDisplay }
        // Either spelling: DDDD:BB:DD.F, or BB:DD.F when that is what is being typed.
        return ordered.map(\.address.description).compactMap { full in
            if full.hasPrefix(prefix) { return full }
            let short = String(full.dropFirst(5))
            return short.hasPrefix(prefix) ? short : nil
        }
    }

    /// The value of `--sysfs DIR` or `--sysfs=DIR` among the words typed so far.
    static func sysfsValue(in words: [String]) -> String? {
        var value: String?
        for (i, w) in words.enumerated() {
            if w == "--sysfs", i + 1 < words.count { value = words[i + 1] }
            if w.hasPrefix("--sysfs=") { value = String(w.dropFirst("--sysfs=".count)) }
        }
        return value
    }
}

/// bash splits words at colons (`COMP_WORDBREAKS`), so `vbios dump 0000:01<TAB>` reaches a
/// completion function as "0000", ":", "01": argument-parser's generated function would count
/// three arguments and bash would put a completed address after the last colon. The script vbios
/// prints for bash wraps that function: the words joined back as bash-completion's
/// `_get_comp_words_by_ref -n :` does, and `__ltrim_colon_completions` on what it offers (the
/// documented idiom of bash-completion for words with colons). Without bash-completion loaded,
/// the generated function runs as it is.
enum BashCompletion {
    /// The shell of `vbios --generate-completion-script bash|fish` (either spelling), whose
    /// script vbios amends; nil for anything else (argument-parser answers zsh as it is).
    static func request(_ arguments: [String]) -> CompletionShell? {
        let shell: String
        switch arguments.count {
        case 1 where arguments[0].hasPrefix("--generate-completion-script="): shell = String(arguments[0].dropFirst("--generate-completion-script=".count))
        case 2 where arguments[0] == "--generate-completion-script": shell = arguments[1]
        default: return nil
        }
        return shell == "bash" ? .bash : shell == "fish" ? .fish : nil
    }

    static func script(for shell: CompletionShell, _ generated: String) -> String {
        shell == .bash ? script(generated) : fish(generated)
    }

    /// fish 3.6 refuses `commandline -C` outside an interactive line (`complete -C "vbios dump "`,
    /// as scripts and tests complete): argument-parser's script asks it for the cursor's offset in
    /// the current token. The token's length is that offset when completing at its end.
    static func fish(_ generated: String) -> String {
        generated.replacing("(__vbios_tokens -tC)", with: "(string length -- (commandline -ct))")
    }

    static let wrapper = """

        # vbios: PCI addresses hold colons (see Sources/vbios/Completion.swift).
        _vbios() {
            if declare -F _get_comp_words_by_ref >/dev/null && declare -F __ltrim_colon_completions >/dev/null; then
                local cur prev words cword
                _get_comp_words_by_ref -n : cur prev words cword
                local -a COMP_WORDS=("${words[@]}")
                local COMP_CWORD=$cword
                __vbios_generated "$1" "$cur" "$prev"
                __ltrim_colon_completions "$cur"
            else
                __vbios_generated "$@"
            fi
        }

        """

    /// argument-parser's script with its `_vbios` renamed and the wrapper in front of `complete`.
    static func script(_ generated: String) -> String {
        guard generated.contains("\n_vbios() {") else { return generated }
        var s = generated.replacing("\n_vbios() {", with: "\n__vbios_generated() {")
        guard let registration = s.ranges(of: "\ncomplete ").last else { return generated }
        s.insert(contentsOf: wrapper, at: registration.lowerBound)
        return s
    }
}
