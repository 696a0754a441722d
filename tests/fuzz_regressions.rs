//! Inputs the fuzz targets (`fuzz/`) once failed on, kept as tests.

use wireview::{Error, Ipv4, Layer};

/// `ipv4` target, after IPv4 total length 0 became "the whole buffer" for
/// `new_truncated` (segmentation-offload captures): the target still held
/// total length >= header length. The crate was right; the target now
/// checks the new rule, and so does this test.
#[test]
fn ipv4_total_length_zero() {
    let input = [
        69, 226, 0, 0, 0, 235, 22, 0, 0, 233, 235, 255, 0, 254, 10, 255, 255, 0, 255, 255, 10, 255,
        255, 0, 10, 0, 0, 0,
    ];
    // The target's layout: the last byte is the setter script's length (0).
    let packet = &input[..input.len() - 1];
    assert_eq!(
        Ipv4::new(packet),
        Err(Error::BadLength {
            layer: Layer::Ipv4,
            found: 0,
            min: 20,
            max: 27
        })
    );
    let ip = Ipv4::new_truncated(packet).unwrap();
    assert_eq!(ip.total_len(), 0);
    assert!(!ip.is_truncated());
    assert_eq!(ip.payload(), &packet[20..]);
}
