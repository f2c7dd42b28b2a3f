import ACPI
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ArgumentParser
import OptionROM
import Passthrough
import PCIHost
import Core
import SystemIO
#if VBIOS_TEST_SEAMS
import TestSeams
#endif

@main
struct VBIOS: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vbios",
        abstract: "Read, check, repair and hand over GPU option ROMs for passthrough to a virtual machine.",
        discussion: ExitStatus.discussion("""
            Start with `vbios list` to find the card, `vbios dump ADDR -o card.rom` to read its ROM, \
            `vbios info card.rom` to see what is inside, and `vbios prepare ADDR --for xen|qemu|libvirt|proxmox` \
            to get a bios.bin and the guest configuration in one go.
            """, ExitStatus.root),
        version: BuildInfo.versionLine,
        subcommands: [
            List.self, Bars.self, Dump.self, Info.self, Verify.self, Scan.self, Patch.self, Diff.self,
            Prepare.self, Bind.self, Unbind.self, Doctor.self, Persist.self,
        ]
    )

    /// One policy for every command, before any of them runs: the termination signals (SIGINT,
    /// SIGTERM, SIGHUP, SIGQUIT) unblocked and handled (temporary files removed, then death by
    /// the signal; SIGQUIT no longer goes to the backtracer, which let the command go on);
    /// arguments kept as bytes; with `--json`, errors as JSON on stdout.
    static func main() {
        #if VBIOS_TEST_SEAMS
        // Debug builds: the fault injection the environment asks for, before any file is touched.
        if let fake = RecordingHostIO.fromEnvironment() { HostIO.installProcessDefault(fake.io) }
        #endif
        // The libraries' findings word their next steps in this CLI's flags and commands.
        StepWording.install { NextStepWording.words($0) }
        DeviceStateGuard.installSignalHandlers()
        let arguments = commandLineArguments()
        // A bare `vbios` is a command line without a command: the usage, and EX_USAGE as for
        // any other command-line mistake (sysexits.h), not 0.
        if let shell = BashCompletion.request(arguments) {
            Terminal.rawWrite(1, BashCompletion.script(for: shell, completionScript(for: shell)))
            Glibc.exit(0)
        }
        if arguments.isEmpty {
            Terminal.write(2, helpMessage() + "\n")
            Glibc.exit(ExitCode.validationFailure.rawValue)
        }
        var command: ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            leaveIfHelp(error)
            Glibc.exit(report(.commandLine(error), json: ErrorOutput.jsonRequested(arguments)).rawValue)
        }
        do {
            try command.run()
        } catch {
            // `vbios help CMD` parses to ArgumentParser's help command, whose run asks for help.
            leaveIfHelp(error)
            let json = (command as? CommandWithGlobalOptions)?.global.json ?? false
            Glibc.exit(report(.command(error), json: json).rawValue)
        }
    }

    /// Help and version requests exit 0 as ArgumentParser prints them.
    static func leaveIfHelp(_ error: Error) {
        if !(error is ExitCode), exitCode(for: error) == .success { exit(withError: error) }
    }

    /// argv as Strings without loss: bytes that are not UTF-8 are kept (`RawBytes`), so a
    /// non-UTF-8 file name names that file, not one with U+FFFD in its name.
    static func commandLineArguments() -> [String] {
        (1..<Int(CommandLine.argc)).compactMap { i in
            CommandLine.unsafeArgv[i].map { p in RawBytes.string(UnsafeRawBufferPointer(start: p, count: strlen(p))) }
        }
    }
}

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Flag(name: .long, help: "Print machine-readable JSON (contract version 1) instead of text.")
    var json = false
}

/// A command that takes the global options: once parsed, its own `--json` says how its errors
/// are printed.
protocol CommandWithGlobalOptions: ParsableCommand {
    var global: GlobalOptions { get }
}

extension List: CommandWithGlobalOptions {}
extension Bars: CommandWithGlobalOptions {}
extension Dump: CommandWithGlobalOptions {}
extension Info: CommandWithGlobalOptions {}
extension Verify: CommandWithGlobalOptions {}
extension Scan: CommandWithGlobalOptions {}
extension Patch: CommandWithGlobalOptions {}
extension Diff: CommandWithGlobalOptions {}
extension Prepare: CommandWithGlobalOptions {}
extension Bind: CommandWithGlobalOptions {}
extension Unbind: CommandWithGlobalOptions {}
extension Doctor: CommandWithGlobalOptions {}
extension Persist: CommandWithGlobalOptions {}

/// A refusal of the CLI's own (a file in the way of `--out-dir`, a library's refusal put in the
/// command's context); printed as `vbios: <message>` with the given exit status, `refused` in JSON.
/// A library's typed error is thrown as it is, not wrapped in this.
struct UserError: Error, CustomStringConvertible {
    var message: String
    var exitCode: Int32 = 2
    /// The file involved, for `--json`'s `path`.
    var path: String?
    var description: String { message }
    init(_ message: String, exitCode: Int32 = 2, path: String? = nil) {
        self.message = message
        self.exitCode = exitCode
        self.path = path
    }
}

/// Where an error came from: the command line did not parse (ArgumentParser's own errors, and
/// every error a value type of `Arguments.swift` or a command's `validate()` threw while parsing),
/// or the command ran and threw.
enum CLIFailure {
    case commandLine(Error)
    case command(Error)

    /// A command-line mistake: anything parsing threw (but an `ExitCode`, already reported), and a
    /// `ValidationError` a command throws while it runs (a value it checks only then, `scan --for`).
    var isUsage: Bool {
        switch self {
        case let .commandLine(error): return !(error is ExitCode) && !(error is UserError)
        case let .command(error): return error is ValidationError
        }
    }

    var error: Error {
        switch self {
        case let .commandLine(error), let .command(error): return error
        }
    }
}

/// The one error printer: prints the failure and returns the exit code to leave with. As
/// `vbios: MESSAGE` on stderr, or with `json` (the command's `--json`) as
/// `{"error": {"code", "message", "path"?}}` on stdout (same exit status). A command-line mistake
/// (ArgumentParser's parse and validation errors, a value one of `Arguments.swift`'s types
/// refused) comes with the usage and exits 64; an `ExitCode` was already reported and only
/// leaves. Commands throw the libraries' typed errors as they are: `ErrorOutput` gives each its
/// code, path and exit status.
func report(_ failure: CLIFailure, json: Bool) -> ExitCode {
    let error = failure.error
    if let code = error as? ExitCode { return code }
    if failure.isUsage {
        let code = VBIOS.exitCode(for: error)
        let message = ErrorOutput.boundingEchoedValue(VBIOS.fullMessage(for: error))
        if json {
            ErrorOutput.emit(code: "usage", message: message, path: nil)
        } else {
            Terminal.write(2, message + "\n")
        }
        return code
    }
    let status = ErrorOutput.status(error)
    let message = NextStepWording.text(of: error) + ErrorOutput.nextSteps(error)
    if json {
        let (code, path) = ErrorOutput.classify(error)
        ErrorOutput.emit(code: code, message: message, path: path)
    } else {
        Terminal.error(message)
    }
    return ExitCode(status)
}

/// How errors leave the tool.
enum ErrorOutput {
    /// Whether a command line that did not parse asked for JSON: `--json` before any `--`. The
    /// one pre-scan of argv, for errors before a command exists to say; once parsing succeeds,
    /// the command's own `--json` decides.
    static func jsonRequested(_ arguments: [String]) -> Bool {
        arguments.prefix { $0 != "--" }.contains("--json")
    }

    static func emit(code: String, message: String, path: String?) {
        var fields: [(String, JSON)] = [("code", .string(code)), ("message", .string(message))]
        if let path { fields.append(("path", .string(path))) }
        Terminal.out(JSON.object([("error", .object(fields))]).rendered(pretty: false))
    }

    /// ArgumentParser echoes a refused value whole ("The value 'X' is invalid for"): cut to 40
    /// characters, as `PCIAddress` shows a malformed address, so a huge argument is not printed back.
    static func boundingEchoedValue(_ message: String) -> String {
        let open = "The value '", close = "' is invalid"
        guard let start = message.firstRange(of: open), let end = message[start.upperBound...].firstRange(of: close) else {
            return message
        }
        let value = message[start.upperBound..<end.lowerBound]
        guard value.count > 40 else { return message }
        var bounded = message
        bounded.replaceSubrange(start.upperBound..<end.lowerBound, with: value.prefix(40) + "… (\(value.count) characters)")
        return bounded
    }

    /// The exit status: 1 when vbios refused a change it judged unsafe or a change failed
    /// midway (and was rolled back), 2 for any other error, a `UserError`'s own.
    static func status(_ error: Error) -> Int32 {
        switch error {
        case let e as UserError: return e.exitCode
        case is ROMPreparation.AnotherChip, is GroupNotIsolated, is BindingPersistence.SharedIDs, is BrokenROM: return 1
        case let e as DriverBinding.Failure: return e.afterWrites ? 1 : 2
        default: return 2
        }
    }

    /// The libraries' structured next steps (`ROMReadError.nextSteps`), worded with the flags that take them.
    static func nextSteps(_ error: Error) -> String {
        var errors: [ROMReadError] = []
        if let e = error as? ROMReadError { errors = [e] }
        if case let .nothingRead(candidates)? = error as? ROMReader.Failure { errors = candidates.compactMap(\.error) }
        var seen: [ACPIROMUnresolved.NextStep] = []
        for step in errors.flatMap(\.nextSteps) where !seen.contains(step) { seen.append(step) }
        let words = seen.map { step -> String in
            switch step {
            case .driverCopy:
                return "`--source driver` reads the copy nouveau or amdgpu loaded (debugfs), while the card is bound to that driver"
            case .vendorFirmwareImage:
                return "`vbios prepare ADDR --rom-from FIRMWARE` takes the ROM out of the vendor's system firmware image (a BIOS update)"
            }
        }
        return words.isEmpty ? "" : "\nNext: " + words.joined(separator: "; or ") + "."
    }

    /// A stable machine-readable code and the path involved, when the error names one.
    static func classify(_ error: Error) -> (code: String, path: String?) {
        switch error {
        case let e as DriverBinding.Failure:
            // A failed step keeps its own kind: a write's errno and path.
            if let cause = e.cause { return classify(cause) }
            return (e.reason.rawValue, e.path)
        case let e as FileSet.NotWritten: return classify(e.cause)
        case let e as DeviceError:
            switch e {
            case let .notFound(a, root): return ("no-device", root.deviceDirectory(a))
            case let .libpci(_, root): return ("libpci", root.busPCI)
            }
        case is PCIAddress.Malformed: return ("bad-address", nil)
        case let e as ROMPreparation.AnotherChip: return ("another-chip", e.file)
        case is GroupNotIsolated: return ("group-not-isolated", nil)
        case let e as BindingPersistence.Foreign: return ("foreign-file", e.path)
        case is BindingPersistence.SharedIDs: return ("shared-ids", nil)
        case let e as BrokenROM: return (e.code, e.path)
        case is PassthroughError: return ("refused", nil)   // Passthrough declined, with the reason and what to try
        case let e as SystemError: return (e.symbolicErrnoName ?? "system-error", e.path)
        case let e as FileTooLarge: return ("file-too-large", e.path)
        case let e as NotARegularFile: return ("not-a-regular-file", e.path)
        case let e as AtomicFile.Exists: return ("exists", e.path)
        case let e as ROMReadError: return ("rom-read", e.path)
        case let e as ROMReader.Failure:
            // One source tried: its path; several: none is the one.
            if case .nothingRead(let tried) = e { return ("rom-read", tried.count == 1 ? tried[0].error?.path : nil) }
            return ("refused", nil)
        case let e as UserError: return ("refused", e.path)   // vbios declined, with the reason and the next step
        default: return ("error", nil)
        }
    }
}
