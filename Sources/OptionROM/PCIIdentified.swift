import Core

// What carries a vendor and device ID here is written `vvvv:dddd` by `PCIIDs` alone.
extension PCIDataStructure: PCIIdentified {}
extension EmbeddedROM: PCIIdentified {}
extension VFCTTable.Entry: PCIIdentified {}
