import OptionROM
import SystemIO
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Core


/// One write to sysfs: the exact path and bytes.
public struct SysfsWrite: Equatable, Sendable, CustomStringConvertible {
    public var path: String
    public var bytes: [UInt8]
    /// Why, for a person reading a dry run.
    public var purpose: String

    public init(_ path: String, _ text: String, _ purpose: String) {
        self.path = path
        self.bytes = Array(text.utf8)
        self.purpose = purpose
    }

    public var description: String { "\(path) <- \(SysfsWrite.show(bytes))" }

    /// The bytes as a quoted string with `\n` escapes.
    public static func show(_ bytes: [UInt8]) -> String {
        var s = "\""
        for b in bytes {
            switch b {
            case 0x0A: s += "\\n"
            case 0x22: s += "\\\""
            case 0x5C: s += "\\\\"
            case 0x20..<0x7F: s.append(Character(Unicode.Scalar(b)))
            default: s += "\\x" + Hex.string(b, width: 2)
            }
        }
        return s + "\""
    }
}

/// Hands the functions of a slot to a passthrough driver and back, by the kernel's protocols:
///
/// - `driver_override` (Linux 3.16+): write the driver's name to `driver_override`, the address
///   to `driver/unbind`, then to `/sys/bus/pci/drivers_probe`; `"\n"` clears the override.
/// - pciback without `driver_override`: the address to `pciback/new_slot`, to `driver/unbind`, then
///   to `pciback/bind` (`remove_slot` undoes `new_slot`).
///
/// A plan (the writes) is made first and can be printed; executing it moves one function at a
/// time, checks the kernel's `driver` link when asked, rolls every function already moved back
/// when any step fails, and records each function's previous driver in a state file that `unbind`
/// reads.
public struct DriverBinding {
    public var root: SysfsRoot
    /// Holds `bindings/ADDR` files (default `/run/vbios`).
    public var stateDirectory: String
    /// Where the writes go: the host's files, or in tests a `RecordingHostIO` that plays the
    /// kernel's part (moving the `driver` link), since a fake tree's files do not react.
    public var io: HostIO
    /// Read the `driver` link back after each function (off for fake trees, which do not react).
    public var checkDriverLink: Bool

    public init(root: SysfsRoot, stateDirectory: String = "/run/vbios", io: HostIO = .current,
                checkDriverLink: Bool = true) {
        self.root = root
        self.stateDirectory = stateDirectory
        self.io = io
        self.checkDriverLink = checkDriverLink
    }

    /// Why binding stopped: a refusal before any write (`check`, `planBind`), or a step of
    /// `execute` that failed, after which every function already moved was given back.
    public struct Failure: Error, Advised {
        public enum Reason: String, Sendable {
            /// The passthrough driver's directory is missing: the module is not loaded.
            case driverNotLoaded = "driver-not-loaded"
            /// vfio-pci asked for, but the kernel lists no IOMMU groups.
            case noIOMMU = "no-iommu"
            /// pciback asked for outside Xen's dom0.
            case notXen = "not-xen"
            /// No driver_override (kernel before 3.16) and no pciback to fall back on.
            case noDriverOverride = "no-driver-override"
            /// A termination signal arrived during `execute`.
            case interrupted
            /// The writes were made but the device is bound to another driver than planned.
            case driverRefused = "driver-refused"
            /// A write or the record of the previous driver failed (`cause` says how).
            case stepFailed = "step-failed"
        }
        public var reason: Reason
        public var message: AdvisedText
        /// The path involved, when there is one.
        public var path: String?
        /// The error of the step that failed, when another layer threw it (a `SystemError`).
        public var cause: (any Error)?
        /// Thrown by `execute`: writes were made (and rolled back, as `message` says).
        public var afterWrites = false

        public init(_ reason: Reason, _ message: AdvisedText, path: String? = nil, cause: (any Error)? = nil) {
            self.reason = reason
            self.message = message
            self.path = path
            self.cause = cause
        }
        public var advice: AdvisedText { message }
    }

    /// What happens to one function.
    public struct Move: Sendable {
        public var address: PCIAddress
        /// The driver it had (nil: none).
        public var previous: String?
        /// The driver it will have (nil: none, when unbinding a device that had none).
        public var next: String?
        public var writes: [SysfsWrite]
        /// Writes that put it back as it was, should a later step fail.
        public var undo: [SysfsWrite]
        /// Why nothing is written, when it is already where it should be.
        public var skipped: String?
        /// Whether `next` is known (false when the kernel picks the driver).
        public var outcomeKnown = true
    }

    public struct Plan: Sendable {
        public var moves: [Move]
        /// Things worth knowing that do not stop the plan (other IOMMU group members).
        public var notes: [AdvisedText]
        public var writes: [SysfsWrite] { moves.flatMap(\.writes) }
    }

    // MARK: - Paths

    var driversDirectory: String { root.busPCI + "/drivers" }
    func driverDirectory(_ name: String) -> String { driversDirectory + "/" + name }
    var probePath: String { root.busPCI + "/drivers_probe" }
    public var bindingsDirectory: String { stateDirectory + "/bindings" }
    public func stateFile(_ a: PCIAddress) -> String { bindingsDirectory + "/" + a.description }

    /// The slots of `addresses` (each once, sorted), from one enumeration; each address must exist.
    public func slots(_ addresses: [PCIAddress]) throws -> [Slot] {
        let bus = try PCIBus.scan(root, requiring: addresses)
        var out: [Slot] = []
        for a in addresses where !out.contains(where: { $0.named.address.sameSlot(as: a) }) {
            out.append(try bus.slot(of: a))
        }
        return out.sorted { $0.named.address < $1.named.address }
    }

    // MARK: - Checks

    /// Refuses, with what to do, what cannot work: a driver that is not loaded, no IOMMU for
    /// vfio-pci, no Xen for pciback.
    public func check(_ driver: PassthroughDriver) throws {
        if pathKind(driverDirectory(driver.rawValue)) != .directory {
            var s = "the \(driver.rawValue) driver is not loaded (no \(driverDirectory(driver.rawValue))). Load it with `modprobe \(driver.module)`"
            switch driver {
            case .pciback: s += " in dom0 (Xen's pciback; some kernels build it in as xen-pciback)."
            case .pciStub: s += " (or boot with pci-stub.ids=VVVV:DDDD to claim the card before its driver does)."
            case .vfioPCI: s += " (and make sure the IOMMU is on: intel_iommu=on or amd_iommu=on)."
            }
            throw Failure(.driverNotLoaded, AdvisedText(s), path: driverDirectory(driver.rawValue))
        }
        switch driver {
        case .vfioPCI:
            let groups = root.path + "/kernel/iommu_groups"
            if ((try? directoryEntries(groups)) ?? []).isEmpty {
                throw Failure(.noIOMMU, "no IOMMU groups under \(groups): vfio-pci needs the IOMMU. Enable VT-d (Intel) or AMD-Vi/IOMMU (AMD) in the "
                    + "firmware setup and boot with intel_iommu=on (Intel) or amd_iommu=on (AMD; usually on by default), then check `dmesg | grep -i -e DMAR -e IOMMU`.", path: groups)
            }
        case .pciback:
            let type = (try? readSmallFile(root.path + "/hypervisor/type")).map { String(decoding: $0, as: UTF8.self) } ?? ""
            if type.split(separator: "\n").first != "xen" {
                throw Failure(.notXen, "this kernel is not running under Xen (\(root.path)/hypervisor/type says \(type.isEmpty ? "nothing" : "'" + type.split(separator: "\n").joined() + "'")): "
                    + "pciback only works in Xen's dom0. Boot the Xen entry of your boot loader, or use vfio-pci for QEMU/KVM.", path: root.path + "/hypervisor/type")
            }
        case .pciStub: break
        }
    }

    // MARK: - Plans

    /// The writes that hand every function of the slots of `addresses` to `driver`.
    public func planBind(_ addresses: [PCIAddress], to driver: PassthroughDriver) throws -> Plan {
        try check(driver)
        let slots = try slots(addresses)
        let functions = slots.flatMap(\.functions)
        var moves: [Move] = []
        var notes: [AdvisedText] = []
        for f in functions {
            let a = f.address
            let current = f.driver
            if current == driver.rawValue {
                moves.append(Move(address: a, previous: current, next: current, writes: [], undo: [],
                                  skipped: "already bound to \(driver.rawValue)"))
                continue
            }
            let dev = root.deviceDirectory(a)
            let hasOverride = pathKind(dev + "/driver_override", followLinks: false) != .missing
            var writes: [SysfsWrite] = []
            var undo: [SysfsWrite] = []
            if hasOverride {
                writes.append(SysfsWrite(dev + "/driver_override", driver.rawValue, "only \(driver.rawValue) may take \(a) from now on"))
                if let current {
                    writes.append(SysfsWrite(dev + "/driver/unbind", a.description, "release \(a) from \(current)"))
                }
                writes.append(SysfsWrite(probePath, a.description, "let the kernel bind \(a) again, which now means \(driver.rawValue)"))
                undo.append(SysfsWrite(dev + "/driver_override", "\n", "clear the override of \(a)"))
                undo.append(SysfsWrite(driverDirectory(driver.rawValue) + "/unbind", a.description, "release \(a) from \(driver.rawValue)"))
                if let current { undo.append(SysfsWrite(driverDirectory(current) + "/bind", a.description, "give \(a) back to \(current)")) }
            } else if driver == .pciback {
                let pb = driverDirectory(PassthroughDriver.pciback.rawValue)
                writes.append(SysfsWrite(pb + "/new_slot", a.description, "tell pciback to accept \(a)"))
                if let current {
                    writes.append(SysfsWrite(dev + "/driver/unbind", a.description, "release \(a) from \(current)"))
                }
                writes.append(SysfsWrite(pb + "/bind", a.description, "bind \(a) to pciback"))
                undo.append(SysfsWrite(pb + "/unbind", a.description, "release \(a) from pciback"))
                undo.append(SysfsWrite(pb + "/remove_slot", a.description, "tell pciback to forget \(a)"))
                if let current { undo.append(SysfsWrite(driverDirectory(current) + "/bind", a.description, "give \(a) back to \(current)")) }
            } else {
                var message: AdvisedText = "\(dev)/driver_override does not exist: the kernel is older than 3.16. Use \(NextStep(.bindWith, "pciback")) under Xen, "
                message += "or write the IDs to \(driverDirectory(driver.rawValue))/new_id by hand (that claims every device with those IDs)."
                throw Failure(.noDriverOverride, message, path: dev + "/driver_override")
            }
            moves.append(Move(address: a, previous: current, next: driver.rawValue, writes: writes, undo: undo, skipped: nil))
        }
        // vfio-pci hands a group to a guest only when every member is bound to vfio-pci or to
        // nothing (bridges excepted); say so before the guest fails to start.
        if driver == .vfioPCI {
            var seen = Set(functions.map(\.address))
            for peer in slots.flatMap(\.endpointPeers) where seen.insert(peer.address).inserted {
                if let d = peer.entry?.driver, d != driver.rawValue {
                    notes.append("\(peer.address) shares IOMMU group \(peer.group) with \(peer.of) and is bound to \(d): bind it to vfio-pci too "
                        + "(\(NextStep(.bindToVFIO, peer.address.description))) or the guest will not start.")
                }
            }
        }
        return Plan(moves: moves, notes: notes)
    }

    /// The writes that give every function of the slots of `addresses` back to the driver its
    /// state file names (or to whichever driver the kernel picks, when there is none).
    public func planUnbind(_ addresses: [PCIAddress]) throws -> Plan {
        let functions = try slots(addresses).flatMap(\.functions)
        var moves: [Move] = []
        var notes: [AdvisedText] = []
        for f in functions {
            let a = f.address
            let dev = root.deviceDirectory(a)
            let current = f.driver
            let recorded = recordedDriver(a)
            let hasOverride = pathKind(dev + "/driver_override", followLinks: false) != .missing
            var writes: [SysfsWrite] = []
            if hasOverride { writes.append(SysfsWrite(dev + "/driver_override", "\n", "clear the override of \(a)")) }
            if let current {
                if current == recorded ?? "" {
                    // Already back; only an override left behind is cleared.
                    let o = root.readText(a, "driver_override") ?? ""
                    let stale = !o.isEmpty && o != "(null)"
                    moves.append(Move(address: a, previous: current, next: current, writes: stale ? writes : [], undo: [],
                                      skipped: stale ? nil : "already bound to \(current)"))
                    continue
                }
                writes.append(SysfsWrite(dev + "/driver/unbind", a.description, "release \(a) from \(current)"))
                if current == PassthroughDriver.pciback.rawValue, !hasOverride {
                    writes.append(SysfsWrite(driverDirectory(PassthroughDriver.pciback.rawValue) + "/remove_slot", a.description, "tell pciback to forget \(a)"))
                }
            }
            var next: String?
            switch recorded {
            case .some(""):
                next = nil // it had no driver
            case .some(let prev):
                next = prev
                writes.append(SysfsWrite(driverDirectory(prev) + "/bind", a.description, "give \(a) back to \(prev)"))
            case nil:
                notes.append("no record of \(a)'s previous driver in \(stateFile(a)): the kernel picks one (drivers_probe).")
                writes.append(SysfsWrite(probePath, a.description, "let the kernel bind \(a) to its usual driver"))
            }
            var undo: [SysfsWrite] = []
            if let current {
                if let next { undo.append(SysfsWrite(driverDirectory(next) + "/unbind", a.description, "release \(a) from \(next)")) }
                if hasOverride { undo.append(SysfsWrite(dev + "/driver_override", current, "only \(current) may take \(a) again")) }
                undo.append(SysfsWrite(driverDirectory(current) + "/bind", a.description, "give \(a) back to \(current)"))
            }
            moves.append(Move(address: a, previous: current, next: next, writes: writes, undo: undo, skipped: nil,
                              outcomeKnown: recorded != nil))
        }
        return Plan(moves: moves, notes: notes)
    }

    /// The driver a state file names: "" for none, nil without a record.
    public func recordedDriver(_ a: PCIAddress) -> String? {
        guard let bytes = try? readSmallFile(stateFile(a)) else { return nil }
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
    }

    // MARK: - Execution

    public struct Outcome {
        public var moved: [PCIAddress]
        /// Writes actually made, in order (rollback included).
        public var written: [SysfsWrite]
    }

    /// Carries out a bind plan (`binding: true`: records previous drivers) or an unbind plan
    /// (removes the records). Termination signals are held back for the whole sequence, and one
    /// that arrives stops it between functions and rolls back, so the device is never left half
    /// moved; the signal is delivered afterwards.
    public func execute(_ plan: Plan, binding: Bool) throws -> Outcome {
        var written: [SysfsWrite] = []
        var moved: [Move] = []
        TerminationSignals.installHandlers()
        return try TerminationSignals.holding {
            do {
                for move in plan.moves where move.skipped == nil {
                    if TerminationSignals.pending {
                        throw Failure(.interrupted, "interrupted by a signal")
                    }
                    try perform(move, written: &written, moved: &moved)
                }
                // Unbinding drops the record of every function it handled, moved or already back.
                for move in plan.moves where move.skipped == nil || !binding {
                    if binding {
                        try recordPrevious(move.address, move.previous ?? "")
                    } else {
                        unlink(stateFile(move.address))
                    }
                }
                return Outcome(moved: moved.map(\.address), written: written)
            } catch {
                let problems = rollBack(moved, written: &written, binding: binding)
                throw rolledBackFailure(error, moved: moved, problems: problems)
            }
        }
    }

    /// One function's writes, then (where the outcome is known) a check that the driver link says
    /// what the writes meant.
    func perform(_ move: Move, written: inout [SysfsWrite], moved: inout [Move]) throws {
        for (i, w) in move.writes.enumerated() {
            try write(w)
            written.append(w)
            // Undone from the first write that took.
            if i == 0 { moved.append(move) }
        }
        guard checkDriverLink, move.outcomeKnown else { return }
        let now = root.linkName(move.address, "driver")
        if now != move.next {
            throw Failure(.driverRefused, "after the writes, \(move.address) is bound to \(now ?? "no driver"), not \(move.next ?? "no driver")"
                + (move.next == nil ? "" : ": \(move.next!) refused it (see `dmesg`)"), path: root.deviceDirectory(move.address) + "/driver")
        }
    }

    /// Undoes the moved functions, last first; returns the undo steps that failed, in words.
    func rollBack(_ moved: [Move], written: inout [SysfsWrite], binding: Bool) -> [String] {
        var problems: [String] = []
        for move in moved.reversed() {
            for w in move.undo {
                // A device already back with its driver needs no bind (the kernel says EBUSY).
                if w.path.hasSuffix("/bind"), let p = move.previous, root.linkName(move.address, "driver") == p { continue }
                do { try write(w); written.append(w) } catch {
                    // Undo steps that do not apply (a driver the device never reached) fail harmlessly.
                    if w.path.hasSuffix("/unbind") { continue }
                    problems.append("\(w) (\(w.purpose)): \(error)")
                }
            }
            if binding { unlink(stateFile(move.address)) }
        }
        return problems
    }

    /// The failure after writes: the step's error, with what the rollback did.
    func rolledBackFailure(_ error: Error, moved: [Move], problems: [String]) -> Failure {
        let back = moved.map(\.address.description).joined(separator: ", ")
        var message = AdvisedText(describing: error)
        if !moved.isEmpty {
            message += problems.isEmpty
                ? ". Rolled back: \(back) returned to \(moved.map { $0.previous ?? "no driver" }.joined(separator: ", "))."
                : ". Rolling back \(back) did not fully succeed; do these by hand: " + problems.joined(separator: "; ")
        }
        // The step's own error stays attached: its kind (an errno) and path still say what failed.
        var failure = error as? Failure ?? Failure(.stepFailed, message, cause: error)
        failure.message = message
        failure.afterWrites = true
        return failure
    }

    func recordPrevious(_ a: PCIAddress, _ driver: String) throws {
        try makeDirectories(bindingsDirectory)
        try AtomicFile.write(driver + "\n", to: stateFile(a), overwrite: true)
    }

    /// One write through `io`, its error worded for binding: the bytes written, and what to try.
    func write(_ w: SysfsWrite) throws {
        do { try io.write(w.path, w.bytes) } catch {
            var e = error
            if e.operation == .openForWriting {
                if e.hint == nil, e.errno == EACCES || e.errno == EPERM { e.hint = "Binding drivers needs root." }
            } else {
                e.operation = .writeBytes(SysfsWrite.show(w.bytes))
                if e.hint == nil {
                    e.hint = e.errno == ENODEV ? "The driver does not take this device (wrong driver, or the device is not bound to it)."
                        : e.errno == EBUSY ? "The device is in use." : nil
                }
            }
            throw e
        }
    }
}
