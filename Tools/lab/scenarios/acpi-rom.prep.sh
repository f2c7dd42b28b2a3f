#!/bin/sh
# RESULTS/host/rom-ssdt.aml: an SSDT (compiled by iasl) giving 00:02.0 an ACPI node with an Optimus-
# style _ROM whose region is the 0xC0000 VGA BIOS SeaBIOS copied there, so vbios's acpi-rom source
# meets a real kernel's firmware_node, /sys/firmware/acpi/tables and /dev/mem.
set -e
mkdir -p "$1/host"
cat > "$1/host/rom-ssdt.asl" <<'ASL'
DefinitionBlock ("", "SSDT", 2, "VBIOS", "LABROM", 0x00000001)
{
    External (\_SB.PCI0, DeviceObj)
    Scope (\_SB.PCI0)
    {
        Device (GFXA)
        {
            Name (_ADR, 0x00020000)
            OperationRegion (VROM, SystemMemory, 0x000C0000, 0x00010000)
            Field (VROM, ByteAcc, NoLock, Preserve)
            {
                RBF1,   262144,
                RBF2,   262144
            }
            Method (_ROM, 2, Serialized)
            {
                If ((Arg0 < 0x8000)) { Local0 = RBF1 } Else { Local0 = RBF2 }
                Return (Local0)
            }
        }
    }
}
ASL
iasl -p "$1/host/rom-ssdt" "$1/host/rom-ssdt.asl" > "$1/host/iasl.log" 2>&1 || { cat "$1/host/iasl.log"; exit 1; }
