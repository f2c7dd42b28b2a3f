@testable import Passthrough
import Testing

@Suite struct CardTests {
    @Test func parsesAndFormatsAddresses() {
        let a = FunctionAddress(parsing: "0000:01:00.1")
        #expect(a == FunctionAddress(domain: 0, bus: 1, device: 0, function: 1))
        #expect(a?.description == "0000:01:00.1")
        #expect(a?.short == "01:00.1")
        #expect(FunctionAddress(parsing: "0a:1f.7")?.description == "0000:0a:1f.7")
        #expect(FunctionAddress(parsing: "10000:01:00.0") == nil)
        #expect(FunctionAddress(parsing: "01:20.0") == nil, "device 0x20 is past 31")
        #expect(FunctionAddress(parsing: "01:00.8") == nil, "function 8 is past 7")
        #expect(FunctionAddress(parsing: "01:00") == nil)
        #expect(FunctionAddress(parsing: "01:0g.0") == nil)
        #expect(FunctionAddress(parsing: "01:00.0,x") == nil)
    }

    @Test func cardPicksTheDisplayFunctionAndRefusesMixedSlots() throws {
        let card = Fixture.radeon()
        #expect(card.functions.map(\.address.short) == ["01:00.0", "01:00.1"])
        #expect(card.romFunction.deviceID == 0x6819)
        #expect(card.isPrimaryDisplay)
        let other = CardFunction(address: FunctionAddress(bus: 2, device: 0, function: 0)!, vendorID: 1, deviceID: 2, classCode: 0x030000)
        #expect(throws: PassthroughError.self) { try PassthroughCard(functions: card.functions + [other]) }
        #expect(throws: PassthroughError.self) { try PassthroughCard(functions: []) }
        #expect(throws: PassthroughError.self) { try PassthroughCard(functions: card.functions, romAt: other.address) }
    }
}
