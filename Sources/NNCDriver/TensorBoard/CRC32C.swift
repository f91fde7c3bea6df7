// CRC-32C (Castagnoli): the checksum of the TFRecord framing that TensorBoard's event files
// use. Polynomial 0x1EDC6F41, bit-reflected (0x82F63B78), initial value and final XOR
// 0xFFFFFFFF; the published check value is CRC32C("123456789") = 0xE3069283 (RFC 3720,
// appendix B.4). A record stores each CRC masked (`masked`), as TensorFlow's
// `crc32c::Mask` does, so that a CRC of bytes that embed CRCs is not itself trivial.

/// CRC-32C of byte sequences, one table lookup per byte (event files are small: a few
/// kilobytes per epoch).
public enum CRC32C {
    /// The reflected polynomial's remainders of every byte value.
    static let table: [UInt32] = (0..<256).map { byte in
        var crc = UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        return crc
    }

    /// The CRC-32C of `bytes`.
    public static func checksum<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    /// TFRecord's masked form of a CRC: rotated right by 15 bits plus 0xa282ead8.
    public static func masked(_ crc: UInt32) -> UInt32 { ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8 }
}
