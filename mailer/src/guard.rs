//! The address guard: which IP addresses the mailer may connect to.
//!
//! A seller can enter any host name, so without this check the test-mail button would let
//! anyone probe the operator's internal network or a cloud metadata service. The guard runs
//! on the address that DNS returned, and the session connects to exactly that address.

use std::collections::BTreeSet;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// The kind of network an IP address belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AddressClass {
    /// Reachable on the internet.
    Public,
    /// 127.0.0.0/8 and ::1.
    Loopback,
    /// 10/8, 172.16/12 and 192.168/16 (RFC 1918).
    Private,
    /// 100.64/10, the carrier-grade NAT range (RFC 6598).
    SharedAddressSpace,
    /// 169.254/16 and fe80::/10.
    LinkLocal,
    /// fc00::/7 (RFC 4193).
    UniqueLocal,
    /// Cloud instance metadata services, such as 169.254.169.254.
    Metadata,
    /// 0.0.0.0/8 and ::, which Linux routes to the local host.
    Unspecified,
    /// Multicast and 255.255.255.255.
    Broadcast,
    /// Documentation, benchmarking and reserved ranges that no mail server uses.
    Reserved,
}

impl AddressClass {
    /// The classes an operator may allow. The others are never a mail server.
    pub const ALLOWABLE: [AddressClass; 6] = [
        AddressClass::Loopback,
        AddressClass::Private,
        AddressClass::SharedAddressSpace,
        AddressClass::LinkLocal,
        AddressClass::UniqueLocal,
        AddressClass::Metadata,
    ];

    /// Returns the name used in the configuration, such as `loopback`.
    pub fn as_str(self) -> &'static str {
        match self {
            AddressClass::Public => "public",
            AddressClass::Loopback => "loopback",
            AddressClass::Private => "private",
            AddressClass::SharedAddressSpace => "shared",
            AddressClass::LinkLocal => "link_local",
            AddressClass::UniqueLocal => "unique_local",
            AddressClass::Metadata => "metadata",
            AddressClass::Unspecified => "unspecified",
            AddressClass::Broadcast => "broadcast",
            AddressClass::Reserved => "reserved",
        }
    }
}

impl fmt::Display for AddressClass {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// Addresses of instance metadata services (AWS, GCP and Azure share 169.254.169.254; AWS ECS
/// uses 169.254.170.2; Alibaba Cloud uses 100.100.100.200; AWS also answers on fd00:ec2::254).
const METADATA_V4: [Ipv4Addr; 3] = [
    Ipv4Addr::new(169, 254, 169, 254),
    Ipv4Addr::new(169, 254, 170, 2),
    Ipv4Addr::new(100, 100, 100, 200),
];
const METADATA_V6: [Ipv6Addr; 1] = [Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254)];

/// Classifies an address. IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`) count as their IPv4 address.
pub fn classify(address: IpAddr) -> AddressClass {
    match address {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => classify_v4(v4),
            None => classify_v6(v6),
        },
    }
}

fn classify_v4(address: Ipv4Addr) -> AddressClass {
    let [first, second, third, _] = address.octets();
    if METADATA_V4.contains(&address) {
        AddressClass::Metadata
    } else if address.is_loopback() {
        AddressClass::Loopback
    } else if address.is_private() {
        AddressClass::Private
    } else if first == 100 && (64..128).contains(&second) {
        AddressClass::SharedAddressSpace
    } else if address.is_link_local() {
        AddressClass::LinkLocal
    } else if first == 0 {
        AddressClass::Unspecified
    } else if address.is_multicast() || address.is_broadcast() {
        AddressClass::Broadcast
    } else if address.is_documentation()
        || first >= 240
        || (first == 198 && (18..20).contains(&second))
        || (first == 192 && second == 0 && third == 0)
    {
        AddressClass::Reserved
    } else {
        AddressClass::Public
    }
}

fn classify_v6(address: Ipv6Addr) -> AddressClass {
    let first_segment = address.segments()[0];
    if METADATA_V6.contains(&address) {
        AddressClass::Metadata
    } else if address.is_loopback() {
        AddressClass::Loopback
    } else if address.is_unspecified() {
        AddressClass::Unspecified
    } else if address.is_multicast() {
        AddressClass::Broadcast
    } else if first_segment & 0xffc0 == 0xfe80 {
        AddressClass::LinkLocal
    } else if first_segment & 0xfe00 == 0xfc00 {
        AddressClass::UniqueLocal
    } else if first_segment == 0x2001 && address.segments()[1] == 0x0db8 {
        AddressClass::Reserved
    } else {
        AddressClass::Public
    }
}

/// The non-public address classes the operator allows, such as loopback for tests or a
/// private range for a mail relay in the same network. Empty by default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowList {
    classes: BTreeSet<AddressClass>,
    /// Address ranges as (network address, prefix length), such as (127.0.0.0, 8).
    networks: Vec<(IpAddr, u8)>,
}

/// An allow-list entry that names no allowable class.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown address class \"{value}\"; allowed values: loopback, private, shared, link_local, unique_local, metadata")]
pub struct AllowListError {
    pub value: String,
}

impl AllowList {
    /// Allows nothing but public addresses.
    pub fn public_only() -> AllowList {
        AllowList::default()
    }

    /// Allows the given classes in addition to public addresses.
    pub fn allowing(classes: impl IntoIterator<Item = AddressClass>) -> AllowList {
        let classes = classes
            .into_iter()
            .filter(|class| AddressClass::ALLOWABLE.contains(class))
            .collect();
        AllowList {
            classes,
            networks: Vec::new(),
        }
    }

    /// Also allows every address in `network/prefix_length`, such as `127.0.0.0/8`, unless
    /// it is unspecified, multicast or broadcast. A prefix longer than the address is cut.
    pub fn with_network(mut self, network: IpAddr, prefix_length: u8) -> AllowList {
        let bits = if network.is_ipv4() { 32 } else { 128 };
        self.networks.push((network, prefix_length.min(bits)));
        self
    }

    /// Returns whether the mailer may connect to `address`.
    pub fn permits(&self, address: IpAddr) -> bool {
        let class = classify(address);
        if matches!(class, AddressClass::Unspecified | AddressClass::Broadcast) {
            return false;
        }
        class == AddressClass::Public
            || self.classes.contains(&class)
            || self
                .networks
                .iter()
                .any(|(network, prefix)| network_contains(*network, *prefix, address))
    }
}

fn network_contains(network: IpAddr, prefix_length: u8, address: IpAddr) -> bool {
    let address = match (network, address) {
        (IpAddr::V4(_), IpAddr::V6(v6)) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(address),
        _ => address,
    };
    match (network, address) {
        (IpAddr::V4(network), IpAddr::V4(address)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix_length)).unwrap_or(0);
            u32::from(network) & mask == u32::from(address) & mask
        }
        (IpAddr::V6(network), IpAddr::V6(address)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix_length)).unwrap_or(0);
            u128::from(network) & mask == u128::from(address) & mask
        }
        _ => false,
    }
}

impl FromStr for AllowList {
    type Err = AllowListError;

    /// Parses a comma-separated list such as `loopback,private`; an empty string allows nothing.
    fn from_str(value: &str) -> Result<AllowList, AllowListError> {
        let mut classes = BTreeSet::new();
        for name in value.split(',').map(str::trim).filter(|name| !name.is_empty()) {
            let class = AddressClass::ALLOWABLE
                .into_iter()
                .find(|class| class.as_str() == name)
                .ok_or_else(|| AllowListError {
                    value: name.to_owned(),
                })?;
            classes.insert(class);
        }
        Ok(AllowList {
            classes,
            networks: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class_of(address: &str) -> AddressClass {
        classify(address.parse().expect("test address"))
    }

    #[test]
    fn classify_sorts_addresses() {
        let cases = [
            ("93.184.216.34", AddressClass::Public),
            ("2a00:1450:4001:80b::2005", AddressClass::Public),
            ("127.0.0.1", AddressClass::Loopback),
            ("127.8.9.10", AddressClass::Loopback),
            ("::1", AddressClass::Loopback),
            ("10.1.2.3", AddressClass::Private),
            ("172.16.0.1", AddressClass::Private),
            ("172.31.255.254", AddressClass::Private),
            ("192.168.178.1", AddressClass::Private),
            ("100.64.0.1", AddressClass::SharedAddressSpace),
            ("169.254.10.1", AddressClass::LinkLocal),
            ("fe80::1", AddressClass::LinkLocal),
            ("fd12:3456::1", AddressClass::UniqueLocal),
            ("169.254.169.254", AddressClass::Metadata),
            ("169.254.170.2", AddressClass::Metadata),
            ("100.100.100.200", AddressClass::Metadata),
            ("fd00:ec2::254", AddressClass::Metadata),
            ("0.0.0.0", AddressClass::Unspecified),
            ("::", AddressClass::Unspecified),
            ("224.0.0.1", AddressClass::Broadcast),
            ("255.255.255.255", AddressClass::Broadcast),
            ("192.0.2.25", AddressClass::Reserved),
            ("2001:db8::1", AddressClass::Reserved),
            ("::ffff:10.0.0.1", AddressClass::Private),
            ("::ffff:169.254.169.254", AddressClass::Metadata),
        ];
        for (address, expected) in cases {
            assert_eq!(class_of(address), expected, "classification of {address}");
        }
    }

    #[test]
    fn boundaries_of_private_ranges_are_public() {
        for address in [
            "172.15.255.255",
            "172.32.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "11.0.0.0",
        ] {
            assert_eq!(
                class_of(address),
                AddressClass::Public,
                "classification of {address}"
            );
        }
    }

    #[test]
    fn default_allow_list_permits_only_public() {
        let allow = AllowList::public_only();
        assert!(allow.permits("93.184.216.34".parse().expect("address")));
        assert!(!allow.permits("127.0.0.1".parse().expect("address")));
        assert!(!allow.permits("10.0.0.1".parse().expect("address")));
        assert!(!allow.permits("169.254.169.254".parse().expect("address")));
    }

    #[test]
    fn allow_list_parses_class_names() {
        let allow: AllowList = "loopback, private".parse().expect("valid list");
        assert!(allow.permits("127.0.0.1".parse().expect("address")));
        assert!(allow.permits("192.168.1.1".parse().expect("address")));
        assert!(!allow.permits("169.254.169.254".parse().expect("address")));
    }

    #[test]
    fn allow_list_rejects_unknown_name() {
        let error = "loopback,everything"
            .parse::<AllowList>()
            .expect_err("unknown name");
        assert_eq!(error.value, "everything");
    }

    #[test]
    fn allow_list_network_permits_range_only() {
        let allow = AllowList::public_only().with_network("127.0.0.0".parse().expect("network"), 8);
        assert!(allow.permits("127.0.0.1".parse().expect("address")));
        assert!(allow.permits("::ffff:127.0.0.2".parse().expect("address")));
        assert!(!allow.permits("10.0.0.1".parse().expect("address")));
        assert!(!allow.permits("::1".parse().expect("address")));
    }

    #[test]
    fn allow_list_network_never_permits_unspecified() {
        let allow = AllowList::public_only().with_network("0.0.0.0".parse().expect("network"), 0);
        assert!(!allow.permits("0.0.0.0".parse().expect("address")));
        assert!(allow.permits("10.0.0.1".parse().expect("address")));
    }

    #[test]
    fn allow_list_never_permits_unspecified() {
        let allow = AllowList::allowing([AddressClass::Unspecified, AddressClass::Loopback]);
        assert!(!allow.permits("0.0.0.0".parse().expect("address")));
    }
}
