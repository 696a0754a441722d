//! TAP devices through the `tun` crate (which keeps the `ioctl`s and their
//! `unsafe` to itself): one Ethernet frame per read or write, no packet
//! information header, no offloads (so the kernel hands over whole frames
//! with their checksums filled in).

use std::io;

/// One TAP device, shared by the thread that reads it and every thread
/// that sends on it (`recv` and `send` take `&self`).
pub struct Tap {
    dev: tun::Device,
    /// The interface name.
    pub name: String,
}

impl Tap {
    /// Creates the TAP device `name` in the current network namespace. It
    /// is left down: whoever moves it into a host's namespace brings it up
    /// there.
    pub fn open(name: &str) -> io::Result<Tap> {
        let mut config = tun::Configuration::default();
        config.tun_name(name).layer(tun::Layer::L2);
        let dev = tun::create(&config).map_err(io::Error::other)?;
        Ok(Tap {
            dev,
            name: name.to_owned(),
        })
    }

    /// Blocks until a frame arrives and copies it to the start of `buf`.
    pub fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.dev.recv(buf)
    }

    /// Sends one frame.
    pub fn send(&self, frame: &[u8]) -> io::Result<usize> {
        self.dev.send(frame)
    }
}
