//! What a GS1 Digital Link resolver answers when asked for every link of an item: an RFC 9264
//! link set (`application/linkset+json`), with GS1's link types (`https://gs1.org/voc/…`).

use serde_json::{Map, Value, json};

/// GS1 Web Vocabulary link types the catalogue offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkType {
    /// Where a scan leads when nothing else is asked for.
    DefaultLink,
    /// Product information page: the scan page.
    Pip,
    Traceability,
    Epcis,
    CertificationInfo,
    RecallStatus,
}

impl LinkType {
    pub const ALL: [LinkType; 6] = [
        Self::DefaultLink,
        Self::Pip,
        Self::Traceability,
        Self::Epcis,
        Self::CertificationInfo,
        Self::RecallStatus,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::DefaultLink => "defaultLink",
            Self::Pip => "pip",
            Self::Traceability => "traceability",
            Self::Epcis => "epcis",
            Self::CertificationInfo => "certificationInfo",
            Self::RecallStatus => "recallStatus",
        }
    }

    /// The relation type as the link set writes it.
    pub fn uri(self) -> String {
        format!("https://gs1.org/voc/{}", self.name())
    }

    /// Reads `gs1:pip`, `pip` or any of GS1's spellings of the full URI.
    pub fn parse(text: &str) -> Option<Self> {
        let name = [
            "https://gs1.org/voc/",
            "https://www.gs1.org/voc/",
            "https://ref.gs1.org/voc/",
            "gs1:",
        ]
        .iter()
        .find_map(|prefix| text.strip_prefix(prefix))
        .unwrap_or(text);
        Self::ALL.into_iter().find(|t| t.name() == name)
    }
}

/// One target of a link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub href: String,
    pub title: String,
    /// The media type of what `href` answers.
    pub media_type: &'static str,
}

/// Every link of one item (a product, or one lot of it), in the order added.
#[derive(Debug, Clone, Default)]
pub struct LinkSet {
    pub anchor: String,
    links: Vec<(LinkType, Link)>,
}

impl LinkSet {
    pub fn new(anchor: String) -> Self {
        LinkSet {
            anchor,
            links: Vec::new(),
        }
    }

    pub fn add(&mut self, link_type: LinkType, href: String, title: impl Into<String>, media_type: &'static str) {
        self.links.push((
            link_type,
            Link {
                href,
                title: title.into(),
                media_type,
            },
        ));
    }

    /// The first link of a type, where a resolver redirects `?linkType=…`.
    pub fn first(&self, link_type: LinkType) -> Option<&Link> {
        self.links.iter().find(|(t, _)| *t == link_type).map(|(_, l)| l)
    }

    /// RFC 9264 JSON: one context object with the anchor and an array of targets per relation.
    pub fn to_json(&self) -> Value {
        let mut context = Map::new();
        context.insert("anchor".to_owned(), Value::from(self.anchor.clone()));
        for link_type in LinkType::ALL {
            let targets: Vec<Value> = self
                .links
                .iter()
                .filter(|(t, _)| *t == link_type)
                .map(|(_, link)| {
                    json!({
                        "href": link.href,
                        "title": link.title,
                        "type": link.media_type,
                        "hreflang": ["zh-CN"],
                    })
                })
                .collect();
            if !targets.is_empty() {
                context.insert(link_type.uri(), Value::Array(targets));
            }
        }
        json!({ "linkset": [context] })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_types_are_read_in_each_spelling_gs1_uses() {
        for text in [
            "gs1:pip",
            "pip",
            "https://gs1.org/voc/pip",
            "https://www.gs1.org/voc/pip",
            "https://ref.gs1.org/voc/pip",
        ] {
            assert_eq!(LinkType::parse(text), Some(LinkType::Pip), "{text}");
        }
        assert_eq!(LinkType::parse("gs1:nutritionalInfo"), None);
    }

    #[test]
    fn the_link_set_groups_targets_by_relation_under_one_anchor() {
        let mut set = LinkSet::new("https://fupin.example.cn/01/06901234567892".to_owned());
        set.add(
            LinkType::Pip,
            "https://fupin.example.cn/t/1".to_owned(),
            "扫码页",
            "text/html",
        );
        set.add(
            LinkType::Epcis,
            "https://fupin.example.cn/e/1".to_owned(),
            "批次 A",
            "application/ld+json",
        );
        set.add(
            LinkType::Epcis,
            "https://fupin.example.cn/e/2".to_owned(),
            "批次 B",
            "application/ld+json",
        );
        let json = set.to_json();
        let context = &json["linkset"][0];
        assert_eq!(context["anchor"], "https://fupin.example.cn/01/06901234567892");
        assert_eq!(context["https://gs1.org/voc/epcis"].as_array().unwrap().len(), 2);
        assert_eq!(context["https://gs1.org/voc/pip"][0]["hreflang"][0], "zh-CN");
        assert!(context.get("https://gs1.org/voc/recallStatus").is_none());
        assert_eq!(set.first(LinkType::Epcis).unwrap().title, "批次 A");
    }
}
