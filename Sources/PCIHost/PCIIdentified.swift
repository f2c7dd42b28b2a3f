import Core

// What carries a vendor and device ID here is written `vvvv:dddd` by `PCIIDs` alone.
extension PCIDevice: PCIIdentified {}
extension PCIEnumeration.Entry: PCIIdentified {}
