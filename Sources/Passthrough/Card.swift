import OptionROM
import PCIHost
import Core

/// One function of the card as the host reports it.
public struct CardFunction: Sendable, Equatable {
    public var address: PCIAddress
    public var vendorID: UInt16
    public var deviceID: UInt16
    /// 24 bits: base class in the top byte (`0x030000` VGA, `0x040300` HD audio).
    public var classCode: UInt32
    /// The kernel's `boot_vga`: the firmware's primary display.
    public var isBootVGA: Bool
    /// The board's subsystem IDs (config space 0x2C), when the host reports them: they tell apart
    /// different ROMs with the card's IDs in a firmware image (`FirmwareROMSelection.narrow`).
    public var subsystem: PCIIDs? = nil

    public init(address: PCIAddress, vendorID: UInt16, deviceID: UInt16, classCode: UInt32, isBootVGA: Bool = false) {
        self.address = address
        self.vendorID = vendorID
        self.deviceID = deviceID
        self.classCode = classCode
        self.isBootVGA = isBootVGA
    }

    public var isDisplay: Bool { classCode >> 16 == 0x03 }
    /// An Intel integrated GPU (IGD): vendor 8086, VGA class 0300 at 0000:00:02.0, where Intel
    /// platforms put it and where its VBIOS and GOP expect it (QEMU docs/igd-assign.txt). The
    /// writers key QEMU's legacy mode, xl's `gfx_passthru="igd"` and Proxmox's `legacy-igd` on it.
    public var isIntelIGD: Bool {
        GPUVendor(pciVendorID: vendorID) == .intel && classCode >> 8 == 0x0300
            && address.domain == 0 && address.bus == 0 && address.device == 2 && address.function == 0
    }
}

/// A card to pass through: every function of its slot, one of which carries the ROM.
public struct PassthroughCard: Sendable, Equatable {
    /// Sorted by address; all in one slot.
    public let functions: [CardFunction]
    /// The function whose ROM is passed (the display function).
    public let romFunction: CardFunction

    /// `functions` must share one slot; `romAt` picks the ROM function (default: the first
    /// display-class function, else the first function).
    public init(functions: [CardFunction], romAt: PCIAddress? = nil) throws(PassthroughError) {
        guard let first = functions.min(by: { $0.address < $1.address }) else {
            throw PassthroughError("A card needs at least one PCI function; none was given.")
        }
        let sorted = functions.sorted { $0.address < $1.address }
        for f in sorted where !f.address.sameSlot(as: first.address) {
            throw PassthroughError("\(f.address) is not in the slot of \(first.address): the functions of one card share domain, bus and device. Pass each card separately.")
        }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.address == b.address {
            throw PassthroughError("\(a.address) is listed twice.")
        }
        if let romAt {
            guard let f = sorted.first(where: { $0.address == romAt }) else {
                throw PassthroughError("The ROM function \(romAt) is not one of the card's functions (\(sorted.map { $0.address.description }.joined(separator: ", "))).")
            }
            romFunction = f
        } else {
            romFunction = sorted.first(where: \.isDisplay) ?? sorted[0]
        }
        self.functions = sorted
    }

    /// Whether the card is the host's primary display (Xen's `gfx_passthru`, QEMU's `x-vga`).
    public var isPrimaryDisplay: Bool { romFunction.isBootVGA }

    /// How an Intel IGD goes to the guest; the writers' IGD settings are legacy mode's.
    public var igdMode: IGDMode = .legacy

    /// The card is an Intel IGD (`CardFunction.isIntelIGD` of its ROM function) passed in legacy
    /// mode (`igdMode`): what the writers' IGD settings key on.
    public var isIntelIGD: Bool { romFunction.isIntelIGD && igdMode == .legacy }
}

/// A BAR's span, for xl's `iomem` and `ioports`.
public struct MemoryRange: Sendable, Equatable {
    public enum Kind: String, Sendable { case memory, io }
    public var start: UInt64
    public var size: UInt64
    public var kind: Kind

    public init(start: UInt64, size: UInt64, kind: Kind) {
        self.start = start
        self.size = size
        self.kind = kind
    }
}

/// Something Passthrough will not do, with the reason and what to try.
public struct PassthroughError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    /// The next steps the message names (worded through `StepWording`).
    public var steps: [NextStep] = []
    public init(_ message: String) { self.message = message }
    public init(advice: AdvisedText) {
        message = StepWording.text(advice)
        steps = advice.steps
    }
    public var description: String { message }
}

extension CardFunction: PCIIdentified {}
