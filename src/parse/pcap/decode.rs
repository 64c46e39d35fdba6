//! A frame's TCP segment, decoded with etherparse: Ethernet (VLAN tags
//! too), Linux cooked capture v1 and v2 (`tcpdump -i any`) and raw IP. A
//! frame cut by the snap length still gives its headers, and its payload
//! length comes from the IP header, not from the bytes captured.

use etherparse::{
    EtherType, LaxNetSlice, LaxSlicedPacket, LinuxSllHeaderSlice, LinuxSllProtocolType,
    TransportSlice,
};
use pcap_parser::Linktype;
use std::net::IpAddr;

/// Length of a Linux cooked capture v2 header.
const SLL2_LEN: usize = 20;

/// One end of a TCP connection.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Endpoint {
    /// The host's address.
    pub addr: IpAddr,
    /// The TCP port.
    pub port: u16,
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.addr {
            IpAddr::V4(a) => write!(f, "{a}:{}", self.port),
            IpAddr::V6(a) => write!(f, "[{a}]:{}", self.port),
        }
    }
}

/// The TCP header figures the flow analysis needs.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    /// The sending end.
    pub from: Endpoint,
    /// The receiving end.
    pub to: Endpoint,
    /// The sequence number of its first byte (of the SYN or FIN when it has one).
    pub seq: u32,
    /// The acknowledgment number (meaningful when `has_ack`).
    pub ack: u32,
    /// The SYN flag: a connection attempt, or its answer with `has_ack`.
    pub syn: bool,
    /// The ACK flag: `ack` acknowledges the peer's bytes.
    pub has_ack: bool,
    /// The FIN flag: the sender closed its side.
    pub fin: bool,
    /// The RST flag: the sender dropped or refused the connection.
    pub rst: bool,
    /// The advertised window, unscaled.
    pub window: u16,
    /// Payload bytes the segment carried on the wire.
    pub payload_len: u32,
}

/// Why a frame gave no segment.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum NotTcp {
    /// Another protocol (UDP, ARP, ICMP, …): skipped silently.
    Other,
    /// A link type hbdiag does not decode.
    Link(i32),
}

/// The TCP segment in `data`, a frame of link type `link`.
pub fn segment(link: Linktype, data: &[u8]) -> Result<Segment, NotTcp> {
    let sliced = match link {
        Linktype::ETHERNET => LaxSlicedPacket::from_ethernet(data).map_err(|_| NotTcp::Other)?,
        Linktype::LINUX_SLL => {
            let header = LinuxSllHeaderSlice::from_slice(data).map_err(|_| NotTcp::Other)?;
            let LinuxSllProtocolType::EtherType(ether_type) = header.protocol_type() else {
                return Err(NotTcp::Other);
            };
            LaxSlicedPacket::from_ether_type(ether_type, &data[header.slice().len()..])
        }
        Linktype::LINUX_SLL2 => {
            let ether_type = data.get(..2).ok_or(NotTcp::Other)?;
            let rest = data.get(SLL2_LEN..).ok_or(NotTcp::Other)?;
            LaxSlicedPacket::from_ether_type(
                EtherType(u16::from_be_bytes([ether_type[0], ether_type[1]])),
                rest,
            )
        }
        Linktype::RAW | Linktype::IPV4 | Linktype::IPV6 => {
            LaxSlicedPacket::from_ip(data).map_err(|_| NotTcp::Other)?
        }
        other => return Err(NotTcp::Link(other.0)),
    };
    tcp_of(&sliced)
}

fn tcp_of(sliced: &LaxSlicedPacket<'_>) -> Result<Segment, NotTcp> {
    let Some(TransportSlice::Tcp(tcp)) = &sliced.transport else {
        return Err(NotTcp::Other);
    };
    let (from, to, ip_payload) = match &sliced.net {
        // The lengths the IP header declares (a frame cut by the snap
        // length has only the headers), less the extension headers between
        // it and TCP (an IPsec authentication header, IPv6 options).
        Some(LaxNetSlice::Ipv4(ip)) => {
            let header = ip.header();
            let auth = ip.extensions().auth.map_or(0, |a| a.slice().len());
            let declared =
                usize::from(header.total_len()).saturating_sub(header.slice().len() + auth);
            (
                IpAddr::V4(header.source_addr()),
                IpAddr::V4(header.destination_addr()),
                declared,
            )
        }
        Some(LaxNetSlice::Ipv6(ip)) => {
            let header = ip.header();
            let extensions = ip.extensions().slice().len();
            (
                IpAddr::V6(header.source_addr()),
                IpAddr::V6(header.destination_addr()),
                usize::from(header.payload_length()).saturating_sub(extensions),
            )
        }
        _ => return Err(NotTcp::Other),
    };
    let header_len = usize::from(tcp.data_offset()) * 4;
    Ok(Segment {
        from: Endpoint {
            addr: from,
            port: tcp.source_port(),
        },
        to: Endpoint {
            addr: to,
            port: tcp.destination_port(),
        },
        seq: tcp.sequence_number(),
        ack: tcp.acknowledgment_number(),
        syn: tcp.syn(),
        has_ack: tcp.ack(),
        fin: tcp.fin(),
        rst: tcp.rst(),
        window: tcp.window_size(),
        payload_len: u32::try_from(ip_payload.saturating_sub(header_len)).unwrap_or(u32::MAX),
    })
}
