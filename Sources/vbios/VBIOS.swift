import ArgumentParser

@main
struct VBIOS: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vbios",
        abstract: "Read, check, repair and hand over GPU option ROMs for passthrough to a virtual machine.",
        discussion: """
            Start with `vbios list` to find the card, `vbios dump ADDR -o card.rom` to read its ROM, \
            `vbios info card.rom` to see what is inside, and `vbios prepare ADDR --for xen|qemu|libvirt` \
            to get a bios.bin and the guest configuration in one go.
            """,
        version: BuildInfo.versionLine,
        subcommands: [
            List.self, Bars.self, Dump.self, Info.self, Verify.self, Scan.self, Patch.self, Diff.self,
            Prepare.self, Bind.self, Unbind.self, Doctor.self, Persist.self,
        ]
    )
}

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Flag(name: .long, help: "Print machine-readable JSON (contract version 1) instead of text.")
    var json = false
}

/// A failure the user can act on; printed as `vbios: <message>` with the given exit status.
struct UserError: Error, CustomStringConvertible {
    var message: String
    var exitCode: Int32 = 2
    var description: String { message }
    init(_ message: String, exitCode: Int32 = 2) {
        self.message = message
        self.exitCode = exitCode
    }
}

/// Prints `error` to stderr the way every command does, and returns the exit code to leave with.
func report(_ error: Error) -> ExitCode {
    if let e = error as? UserError {
        Terminal.error(e.message)
        return ExitCode(e.exitCode)
    }
    Terminal.error(String(describing: error))
    return ExitCode(2)
}
