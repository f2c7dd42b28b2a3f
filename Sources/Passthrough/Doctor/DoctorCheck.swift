import Core

/// One finding of `vbios doctor`: a stable id from the registry, a verdict, what was read and
/// where, and the next steps.
public struct DoctorCheck: Sendable, Equatable {
    public enum Status: String, Sendable, Comparable {
        /// `unknown`: the check could not look (an unreadable sysfs entry); never reported as ok.
        case ok, unknown, warn, fail
        var rank: Int { self == .ok ? 0 : self == .unknown ? 1 : self == .warn ? 2 : 3 }
        public static func < (a: Status, b: Status) -> Bool { a.rank < b.rank }
    }

    /// The registry of check ids (the JSON contract in the README's table): each check is one
    /// file under Checks/, named in `ID.all` with what it looks at. Ids are added, never renamed.
    public struct ID: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let iommu = ID(rawValue: "iommu")
        public static let kernelConfig = ID(rawValue: "kernel-config")
        public static let interruptRemapping = ID(rawValue: "interrupt-remapping")
        public static let xen = ID(rawValue: "xen")
        public static let iommuGroup = ID(rawValue: "iommu-group")
        public static let hostDriver = ID(rawValue: "host-driver")
        public static let bootVGA = ID(rawValue: "boot-vga")
        public static let framebuffer = ID(rawValue: "framebuffer")
        public static let reset = ID(rawValue: "reset")
        public static let barPlacement = ID(rawValue: "bar-above-4g")
        public static let resizableBAR = ID(rawValue: "resizable-bar")
        public static let romReadable = ID(rawValue: "rom-readable")
        public static let igdOpRegion = ID(rawValue: "igd-opregion")
        public static let igdStolenMemory = ID(rawValue: "igd-stolen-memory")
        public static let igdHostDriver = ID(rawValue: "igd-host-driver")
        public static let igdLegacyMode = ID(rawValue: "igd-legacy-mode")

        /// Every check, in the order doctor runs them, with what it looks at.
        public static let all: [(id: ID, about: String)] = [
            (.iommu, "the IOMMU is on (IOMMU groups, the kernel command line, the CPU vendor)"),
            (.kernelConfig, "the kernel has the passthrough driver (VFIO or xen-pciback)"),
            (.interruptRemapping, "interrupt remapping (ACPI DMAR or IVRS flags), else allow_unsafe_interrupts"),
            (.xen, "Xen dom0 and pciback, and every function hidden from dom0"),
            (.iommuGroup, "the card's IOMMU group holds only its functions"),
            (.hostDriver, "no host driver bound to a function of the slot; load order (softdep); vfio-pci.disable_vga"),
            (.bootVGA, "whether the card is the host's boot display"),
            (.framebuffer, "a boot framebuffer (efifb, simplefb, simpledrm, BOOTFB, vesafb) inside the card's BARs"),
            (.reset, "how the card can be reset between guest boots (reset_method, FLR, PM, bus reset, known reset bugs)"),
            (.barPlacement, "the BARs fit the guest's MMIO windows"),
            (.resizableBAR, "Resizable BARs: current and supported sizes, and the guest's 64-bit MMIO window for them"),
            (.romReadable, "the ROM can be read, and a runtime copy's worth for the target"),
            (.igdOpRegion, "an Intel IGD's OpRegion (ASLS, config 0xFC) is set"),
            (.igdStolenMemory, "an Intel IGD's stolen memory (GMS in the GMCH register, config 0x50) as QEMU passes it"),
            (.igdHostDriver, "i915 or xe does not hold an Intel IGD"),
            (.igdLegacyMode, "an Intel IGD's generation is one QEMU's legacy mode supports (else UPT mode)"),
        ]
    }

    /// What a check read, and where: a sysfs attribute, a /proc file, a config-space register.
    public struct Evidence: Sendable, Equatable {
        /// Where: a path, or a path and offset (`config@0x64`).
        public var source: String
        /// What was there, as read (trimmed) or decoded.
        public var value: String
        public init(_ source: String, _ value: String) {
            self.source = source
            self.value = value
        }
    }

    /// One next step, structured so that a script can act on it and the CLI can word it.
    public struct Step: Sendable, Equatable {
        public enum Kind: String, Sendable {
            /// A shell command to run as root.
            case command
            /// A kernel command-line parameter to add (`value`), through the boot loader's file.
            case kernelParameter = "kernel-parameter"
            /// A line for a modprobe.d file.
            case modprobeLine = "modprobe-line"
            /// Load a kernel module.
            case loadModule = "load-module"
            /// Bind the address (`value`) to the driver (`driver`); the CLI words it as its own command.
            case bind
            /// Read the flash of the card at `value` through its ROM BAR, and prepare from that.
            case readFlash = "read-flash"
            /// Prepare the card at `value` from the vendor's ROM file for this exact card.
            case romFile = "rom-file"
            /// A firmware setup (BIOS/UEFI) setting.
            case firmwareSetting = "firmware-setting"
            /// A change of how the guest is run (a QEMU option, an xl.cfg line), or a way of working.
            case guest
        }
        public var kind: Kind
        public var value: String
        /// The file it goes in, when it goes in one.
        public var file: String?
        /// For `bind`: the driver.
        public var driver: String?
        /// Why, in one sentence.
        public var why: String

        public init(_ kind: Kind, _ value: String, file: String? = nil, driver: String? = nil, why: String) {
            self.kind = kind
            self.value = value
            self.file = file
            self.driver = driver
            self.why = why
        }
    }

    public var id: ID
    public var status: Status
    /// What was found; the steps in it are worded by the CLI.
    public var message: AdvisedText
    /// Exact next steps, in order, in words (the steps in them worded by the CLI); empty when
    /// there is nothing to do.
    public var fixes: [AdvisedText]
    /// What was read, and where (the checks written with the registry give it).
    public var evidence: [Evidence]
    /// The next steps, structured (the checks written with the registry give them).
    public var steps: [Step]

    public init(_ id: ID, _ status: Status, _ message: AdvisedText, fixes: [AdvisedText] = [], evidence: [Evidence] = [], steps: [Step] = []) {
        self.id = id
        self.status = status
        self.message = message
        self.fixes = fixes
        self.evidence = evidence
        self.steps = steps
    }
}
