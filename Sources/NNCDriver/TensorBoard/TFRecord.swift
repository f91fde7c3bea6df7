import Foundation

/// The TFRecord framing of one record, as TensorFlow's `RecordWriter` (and TensorBoard's
/// `record_writer.py`) write it: the data's length as a little-endian UInt64, the masked
/// CRC-32C of those 8 bytes (little-endian UInt32), the data, the masked CRC-32C of the data.
public enum TFRecord {
    public static func frame(_ data: Data) -> Data {
        var length = UInt64(data.count).littleEndian
        let lengthBytes = withUnsafeBytes(of: &length) { Data($0) }
        var record = Data(capacity: data.count + 16)
        record.append(lengthBytes)
        record.append(littleEndian: CRC32C.masked(CRC32C.checksum(lengthBytes)))
        record.append(data)
        record.append(littleEndian: CRC32C.masked(CRC32C.checksum(data)))
        return record
    }
}

extension Data {
    fileprivate mutating func append(littleEndian value: UInt32) {
        var le = value.littleEndian
        Swift.withUnsafeBytes(of: &le) { append(contentsOf: $0) }
    }
}
