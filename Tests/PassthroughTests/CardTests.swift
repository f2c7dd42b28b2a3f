import PCIHost
@testable import Passthrough
import Testing

@Suite struct CardTests {
    @Test func slotOperationsOnHostAddresses() throws {
        // Passthrough names functions with PCIHost's PCIAddress (its strict parser is tested there).
        let a = try PCIAddress(parsing: "0000:01:00.1")
        #expect(a.short == "01:00.1")
        #expect(a.with(function: 0)?.description == "0000:01:00.0")
        #expect(a.with(function: 8) == nil, "function 8 is past 7")
        #expect(a.sameSlot(as: try PCIAddress(parsing: "01:00.0")))
        #expect(!a.sameSlot(as: try PCIAddress(parsing: "0001:01:00.1")))
        #expect(!a.sameSlot(as: try PCIAddress(parsing: "01:01.1")))
    }

    @Test func cardPicksTheDisplayFunctionAndRefusesMixedSlots() throws {
        let card = Fixture.radeon()
        #expect(card.functions.map(\.address.short) == ["01:00.0", "01:00.1"])
        #expect(card.romFunction.deviceID == 0x6819)
        #expect(card.isPrimaryDisplay)
        let other = CardFunction(address: PCIAddress(bus: 2, device: 0, function: 0), vendorID: 1, deviceID: 2, classCode: 0x030000)
        #expect(throws: PassthroughError.self) { try PassthroughCard(functions: card.functions + [other]) }
        #expect(throws: PassthroughError.self) { try PassthroughCard(functions: []) }
        #expect(throws: PassthroughError.self) { try PassthroughCard(functions: card.functions, romAt: other.address) }
    }
}
