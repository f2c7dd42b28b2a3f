import Foundation
import Testing
import TestSupport

/// The completion scripts `vbios --generate-completion-script` prints, used the way each shell
/// uses them (as Tools/package-test.sh does for the installed package): bash through
/// bash-completion with the words split as bash splits them (at colons too), fish through
/// `complete -C`, zsh typed into an interactive shell on a pty. A shell that is missing is a
/// visible skip, and a failure under CI=true.
@Suite(.serialized) struct CompletionCLITests {
    static let radeon = Repository.hosts + "/radeon-hd7850"

    /// A folder with a ROM, a firmware image and a subfolder, and the three scripts; removed by the caller.
    static func workspace() throws -> String {
        let dir = try FakeHost.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir + "/cdir/sub", withIntermediateDirectories: true)
        for f in ["cdir/card.rom", "cdir/firm.bin"] { FileManager.default.createFile(atPath: dir + "/" + f, contents: Data([0x55, 0xAA])) }
        try FileManager.default.createDirectory(atPath: dir + "/zsh", withIntermediateDirectories: true)
        for (shell, file) in [("bash", "vbios.bash"), ("fish", "vbios.fish"), ("zsh", "zsh/_vbios")] {
            let r = try CLI.run(["--generate-completion-script", shell])
            try #require(r.status == 0, "\(shell): \(r.stderr)")
            try r.stdout.write(toFile: dir + "/" + file, atomically: false, encoding: .utf8)
        }
        return dir
    }

    static func shell(_ name: String) -> String? {
        for dir in ["/usr/bin", "/bin", "/usr/local/bin"] where FileManager.default.isExecutableFile(atPath: dir + "/" + name) { return dir + "/" + name }
        return nil
    }

    /// The shell's path, or a visible skip (a recorded failure under CI=true: Prerequisite's rule).
    static func require(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let path = shell(name)
        try Prerequisite.require(path != nil, "\(name) (Tools/install-deps.sh installs it)", sourceLocation: sourceLocation)
        return path!
    }

    /// Runs SCRIPT with bash/fish/zsh in DIR, vbios first on PATH.
    static func run(_ tool: String, _ args: [String], in dir: String, env extra: [String: String] = [:]) throws -> HostCLI.Result {
        let bin = try #require(CLI.binary)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        var env = ProcessInfo.processInfo.environment
        env["PATH"] = (bin as NSString).deletingLastPathComponent + ":" + (env["PATH"] ?? "/usr/bin:/bin")
        env["HOME"] = dir
        for (k, v) in extra { env[k] = v }
        p.environment = env
        p.standardInput = FileHandle.nullDevice
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return HostCLI.Result(status: p.terminationStatus, out: String(decoding: o, as: UTF8.self), err: String(decoding: e, as: UTF8.self))
    }

    /// Completes LINE as interactive bash does: words split at blanks and at COMP_WORDBREAKS's
    /// colon, bash-completion loaded, then the script's function; prints COMPREPLY.
    static let bashDriver = #"""
        source /usr/share/bash-completion/bash_completion
        source ./vbios.bash
        line=$1
        COMP_LINE=$line; COMP_POINT=${#line}; COMP_WORDS=(); word=""
        for ((i = 0; i < ${#line}; i++)); do
          c=${line:i:1}
          if [[ $c == " " ]]; then [[ -n $word ]] && COMP_WORDS+=("$word"); word=""
          elif [[ $c == ":" ]]; then [[ -n $word ]] && COMP_WORDS+=("$word"); COMP_WORDS+=(":"); word=""
          else word+=$c; fi
        done
        COMP_WORDS+=("$word"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=()
        complete -p vbios >/dev/null || exit 3
        _vbios vbios "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
        printf '%s\n' "${COMPREPLY[@]}"
        """#

    @Test func bashCompletesFilesFoldersAndAddresses() throws {
        let bash = try Self.require("bash")
        try Prerequisite.require(files: ["/usr/share/bash-completion/bash_completion"], "bash-completion")
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func complete(_ line: String) throws -> [String] {
            let r = try Self.run(bash, ["-c", Self.bashDriver, "drive", line], in: dir)
            #expect(r.status == 0, "\(line): \(r.err)")
            return r.out.split(separator: "\n").map(String.init).sorted()
        }
        #expect(try complete("vbios info cdir/") == ["cdir/card.rom", "cdir/firm.bin", "cdir/sub"])
        #expect(try complete("vbios prepare --rom-from cdir/f") == ["cdir/firm.bin"])
        #expect(try complete("vbios prepare 01:00.0 --out-dir cd") == ["cdir"])
        #expect(try complete("vbios scan x --out-dir cdir/") == ["cdir/sub"])
        #expect(try complete("vbios dump --sysfs \(Self.radeon) ") == ["0000:00:01.0", "0000:01:00.0", "0000:01:00.1"])
        // After a colon bash replaces only what follows it: the rest of the address is offered.
        #expect(try complete("vbios dump --sysfs \(Self.radeon) 0000:01:00") == ["00.0", "00.1"])
        #expect(try complete("vbios bind --to vfio-pci --sysfs \(Self.radeon) 01:") == ["00.0", "00.1"])
        // The address is one argument: what follows it completes as the next one.
        #expect(try complete("vbios dump --sysfs \(Self.radeon) 0000:01:00.0 -o cdir/c") == ["cdir/card.rom"])
    }

    @Test func fishCompletesFilesFoldersAndAddresses() throws {
        let fish = try Self.require("fish")
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func complete(_ line: String) throws -> [String] {
            let r = try Self.run(fish, ["--no-config", "-c", "source ./vbios.fish; complete -C $argv[1]", line], in: dir)
            #expect(r.status == 0 && !r.err.contains("rror"), "\(line): \(r.err)")
            return r.out.split(separator: "\n").map { String($0.split(separator: "\t").first ?? "") }.sorted()
        }
        #expect(try complete("vbios info cdir/") == ["cdir/card.rom", "cdir/firm.bin", "cdir/sub/"])
        #expect(try complete("vbios patch x.rom --add-efi cdir/c") == ["cdir/card.rom"])
        // Folders only (fish offers the folder typed too).
        #expect(try complete("vbios prepare 01:00.0 --out-dir cdir/") == ["cdir/", "cdir/sub/"])
        #expect(try complete("vbios dump --sysfs \(Self.radeon) ") == ["0000:00:01.0", "0000:01:00.0", "0000:01:00.1"])
        #expect(try complete("vbios doctor --sysfs \(Self.radeon) 01:00") == ["01:00.0", "01:00.1"])
        #expect(try complete("vbios prepare --sysfs \(Self.radeon) --with 0000:01:00.") == ["0000:01:00.0", "0000:01:00.1"])
    }

    /// Types LINE and a TAB into an interactive zsh on a pty (compinit with the script's folder on
    /// fpath); prints the screen: the line as zsh completed it, and any list of matches.
    static let zshDriver = #"""
        import os, pty, select, sys, time
        fdir, line = sys.argv[1], sys.argv[2]
        pid, fd = pty.fork()
        if pid == 0:
            os.environ.update(TERM="dumb", HOME=fdir)
            os.execvp("zsh", ["zsh", "-f", "-i"])
        def read(t):
            out, end = b"", time.time() + t
            while time.time() < end:
                r, _, _ = select.select([fd], [], [], 0.05)
                if r:
                    try: out += os.read(fd, 65536)
                    except OSError: break
            return out.decode(errors="replace")
        def until(marker, t):
            out, end = "", time.time() + t
            while marker not in out and time.time() < end: out += read(0.1)
            return out
        def settle(t):
            # Until the screen has been quiet for 1.5 seconds (a completion may call vbios).
            out, end, quiet = "", time.time() + t, time.time()
            while time.time() < end and time.time() - quiet < 1.5:
                got = read(0.1)
                if got: out, quiet = out + got, time.time()
            return out
        os.write(fd, f"fpath=({fdir}/zsh $fpath); autoload -Uz compinit; compinit -u -d {fdir}/.zcompdump; PROMPT='> '; echo RE''ADY\n".encode())
        until("READY", 10)
        os.write(fd, line.encode() + b"\t")
        print(settle(10))
        os.write(fd, b"\x03exit\n"); read(0.3)
        """#

    @Test func zshCompletesFilesFoldersAndAddresses() throws {
        _ = try Self.require("zsh"); let python = try Self.require("python3")
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func screen(_ line: String) throws -> String {
            try Self.run(python, ["-c", Self.zshDriver, dir, line], in: dir).out
        }
        // One match: zsh puts it on the line; several: it lists them.
        #expect(try screen("vbios prepare 01:00.0 --rom-from cdir/f").contains("--rom-from cdir/firm.bin"))
        #expect(try screen("vbios scan x --out-dir cdir/").contains("--out-dir cdir/sub/"))
        let listed = try screen("vbios info cdir/")
        #expect(listed.contains("card.rom") && listed.contains("firm.bin"), "\(listed)")
        #expect(try screen("vbios dump --sysfs \(Self.radeon) 0000:01:00.1").contains("0000:01:00.1 "))
        // Addresses keep their colons (zsh's _describe would cut them at the first).
        #expect(try screen("vbios dump --sysfs \(Self.radeon) 0000:0").contains("0000:0"))
        #expect(try screen("vbios bind --sysfs \(Self.radeon) 01:").contains("01:00."))
    }
}

/// The progress line: on stderr when it is a terminal (a pty, through `script`), never when it
/// is not, never with --json. `VBIOS_TEST_PROGRESS_AFTER_MS` (debug builds only) shows it at once,
/// so the test needs no work that really takes a second.
@Suite(.serialized) struct ProgressCLITests {
    /// Runs vbios ARGS with stderr on a pty (util-linux `script`), stdout to a file; returns what the pty showed.
    static func onTerminal(_ args: [String], env: String = "VBIOS_TEST_PROGRESS_AFTER_MS=0") throws -> String {
        let bin = try #require(CLI.binary)
        let quoted = ([bin] + args).map { "'" + $0 + "'" }.joined(separator: " ")
        let r = try HostCLI.run(["-c", "\(env) script -qec \"\(quoted) >/dev/null\" /dev/null </dev/null"], "/bin/sh")
        return r.out
    }

    static func bigBlob() throws -> String {
        let dir = try FakeHost.temporaryDirectory()
        var blob = Data(repeating: 0xFF, count: 3 << 20)
        let rom = try Repository.fixtureROM("amd")
        blob.replaceSubrange(0x100000..<0x100000 + rom.count, with: rom)
        try blob.write(to: URL(fileURLWithPath: dir + "/blob.bin"))
        return dir
    }

    @Test func verifyShowsProgressOnATerminalOnly() throws {
        _ = try CompletionCLITests.require("script")
        let tty = try Self.onTerminal(["verify", Repository.roms])
        #expect(tty.contains("verifying: ") && tty.contains("\r\u{1B}[K"), "\(tty.debugDescription)")
        #expect(!(try Self.onTerminal(["verify", "--json", Repository.roms])).contains("verifying"))
        // Quick work says nothing: without the test's zero delay the line waits a second.
        #expect(!(try Self.onTerminal(["verify", CLI.fixture("amd")], env: "VBIOS_TEST_PROGRESS_AFTER_MS=60000")).contains("verifying"))
        let piped = try CLI.run(["verify", Repository.roms])
        #expect(!piped.stderr.contains("verifying") && !piped.stderr.contains("\u{1B}"))
    }

    @Test func scanShowsProgressOnATerminalOnly() throws {
        _ = try CompletionCLITests.require("script")
        let dir = try Self.bigBlob()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let tty = try Self.onTerminal(["scan", dir + "/blob.bin"])
        #expect(tty.contains("scanning \(dir)/blob.bin: ") && tty.contains("of 3 MiB"), "\(tty.debugDescription)")
        #expect(!(try Self.onTerminal(["scan", "--json", dir + "/blob.bin"])).contains("scanning"))
        let piped = try CLI.run(["scan", dir + "/blob.bin"])
        #expect(piped.status == 0 && !piped.stderr.contains("scanning"))
    }
}
