import OptionROM
import Core

/// Where a device's `_ROM` or `ATRM` reads its image from, as far as the tables say it without
/// running them. NVIDIA's Optimus template (the only shape measured on real machines) is
/// `OperationRegion (NVHM, SystemMemory, NVHA, 0x30400)` with fields `NVSG` (128 bits), `NVSZ`,
/// `NVVR`, `NVHO`, `RVBS` (32 each), `RBF1`…: the image starts at the first field `_ROM` reads
/// (0x20 bytes in), `RVBS` is its length, and `NVHA` is a field of an NVS region at a constant address.
public enum ACPIROMResolution: Sendable, Equatable {
    case region(ACPIROMRegion)
    /// The image is in the AML itself (a buffer in the method or a `Name`).
    case embedded(ACPIEmbeddedImage)
}

/// The ACPI method serving a device's ROM: `_ROM` (ACPI 6.5 appendix B, the video extensions) or AMD's `ATRM` (Linux drivers/gpu/drm/amd/amdgpu/amdgpu_bios.c, amdgpu_atrm_get_bios).
public struct ACPIROMMethod: Sendable, Equatable {
    public var path: AMLPath
    public var table: String
}

/// A word of memory the tables name: a field of a region at a constant physical address.
public struct ACPIMemoryField: Sendable, Equatable {
    public var path: AMLPath
    /// The table that declares the field.
    public var table: String
    public var region: AMLPath
    public var regionTable: String
    public var regionBase: UInt64
    /// Bits from the region's start (every `Offset()` and width before the field counted).
    public var bitOffset: Int
    public var bitWidth: Int
    public var address: UInt64 { regionBase + UInt64(bitOffset / 8) }
    public var byteWidth: Int { bitWidth / 8 }
}

/// A SystemMemory region the method reads, and how to find the image in it.
public struct ACPIROMRegion: Sendable, Equatable {
    public enum Base: Sendable, Equatable {
        /// A constant in the AML.
        case constant(UInt64)
        /// The value of a memory field (NVIDIA's `NVHA`), read at run time.
        case field(ACPIMemoryField)
    }
    public enum Length: Sendable, Equatable {
        /// A field of the region itself holds the length (`RVBS`): `bitOffset` bits from its base.
        case field(name: String, bitOffset: Int, bitWidth: Int)
        /// The bytes the fields the method reads span.
        case fixed(Int)
        /// Not in the tables (a region the method declares per call): the image's own headers say,
        /// read up to `maximum` bytes.
        case image(maximum: Int)
    }
    public var method: ACPIROMMethod
    public var region: AMLPath
    public var regionTable: String
    /// The region's declared length, when a constant.
    public var regionLength: UInt64?
    public var base: Base
    /// Bytes from the region's base to the image (the first field the method reads).
    public var imageOffset: Int
    public var length: Length
    /// The fields the method reads, in region order.
    public var fields: [String]
}

/// An image held in the AML: `table` bytes `range`.
public struct ACPIEmbeddedImage: Sendable, Equatable {
    public var method: ACPIROMMethod
    public var table: String
    public var range: Range<Int>
}

/// Why the ROM cannot be found statically: the step that failed and why, and what to try instead.
public struct ACPIROMUnresolved: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Step: String, Sendable {
        case findMethod, findRegion, resolveBase, readBase, readImage
    }
    public enum Reason: Sendable, Equatable {
        /// Neither `_ROM` nor `ATRM` is declared under the node.
        case noMethod(node: AMLPath)
        /// The method reads no field of any region (and holds no image).
        case noRegionRead(method: AMLPath)
        /// The method reads fields only of regions outside system memory.
        case regionNotMemory(region: AMLPath, space: UInt8)
        /// The fields the method reads name a region no table declares.
        case regionUndeclared(field: AMLPath, region: AMLName)
        /// The region's address is an expression only an interpreter could evaluate.
        case baseComputed(region: AMLPath, table: String, offset: Int)
        /// The region's address is a name no table declares (only `External`).
        case baseUndeclared(region: AMLPath, name: AMLName)
        /// The region's address is a name that is neither a constant nor a memory field at a constant address.
        case baseNotConstant(region: AMLPath, name: AMLPath, table: String)
        /// The first field read does not start on a byte, or a word is not 8-64 bits on a byte.
        case unaligned(field: AMLPath)
        /// The method declares its region itself, at an address that is not `Arg0` plus a constant,
        /// a `Name` or a memory word (`offset`: where the OperationRegion is in `table`).
        case regionInMethod(method: AMLPath, table: String, offset: Int)
    }
    /// What to try when the tables cannot give the ROM.
    public enum NextStep: String, Sendable {
        /// The copy the host's driver loaded (the debugfs source).
        case driverCopy
        /// The ROM from the vendor's system firmware image (`--rom-from`).
        case vendorFirmwareImage
    }

    public var reason: Reason
    public var nextSteps: [NextStep] = [.driverCopy, .vendorFirmwareImage]

    public init(_ reason: Reason) { self.reason = reason }

    public var step: Step {
        switch reason {
        case .noMethod: return .findMethod
        case .noRegionRead, .regionNotMemory, .regionUndeclared: return .findRegion
        case .baseComputed, .baseUndeclared, .baseNotConstant, .unaligned, .regionInMethod: return .resolveBase
        }
    }

    public var description: String {
        switch reason {
        case let .noMethod(node): return "no _ROM or ATRM method is declared under \(node) in the host's DSDT and SSDTs"
        case let .noRegionRead(method): return "\(method) reads no field of an OperationRegion and holds no image"
        case let .regionNotMemory(region, space):
            return "\(region) is in address space \(space), not SystemMemory: it cannot be read through physical memory"
        case let .regionUndeclared(field, region): return "\(field) belongs to region \(region), which no table declares"
        case let .baseComputed(region, table, offset):
            return "the address of \(region) (\(table) at offset \(Hex.prefixed(offset))) is an expression only an AML interpreter can evaluate"
        case let .baseUndeclared(region, name):
            return "the address of \(region) is \(name), which no table declares (only External)"
        case let .baseNotConstant(region, name, table):
            return "the address of \(region) is \(name) (\(table)), neither a constant nor a memory field at a constant address"
        case let .unaligned(field): return "\(field) does not start on a byte, or is not an 8-64-bit word"
        case let .regionInMethod(method, table, offset):
            return "\(method) declares its own region (\(table) at offset \(Hex.prefixed(offset))) at an address only running it computes"
        }
    }
}
