//! JSON for the API's bodies: read with the browser's own `JSON.parse`, written as text.
//!
//! serde_json compiles a separate deserialiser for every body type and every nesting of
//! `Option` and `Vec`. In the page's wasm that was about 60 KB before compression (25 KB
//! gzipped), while the browser has a JSON parser of its own. So the page reads the parsed value
//! key by key through [`Object`]. A missing key or a value of another type makes the whole body
//! unreadable, and the caller reports an unexpected response.

use js_sys::{Array, Reflect, JSON};
use wasm_bindgen::JsValue;

/// Parses a response body that must be a JSON array of objects, each read by `read`.
pub fn parse_list<T>(text: &str, read: fn(&Object) -> Option<T>) -> Option<Vec<T>> {
    let value = JSON::parse(text).ok()?;
    read_items(array_items(value)?, read)
}

fn read_items<T>(items: Vec<JsValue>, read: fn(&Object) -> Option<T>) -> Option<Vec<T>> {
    items
        .into_iter()
        .map(|item| Object::from_value(item).as_ref().and_then(read))
        .collect()
}

fn array_items(value: JsValue) -> Option<Vec<JsValue>> {
    Array::is_array(&value).then(|| Array::from(&value).iter().collect())
}

/// A parsed JSON object.
pub struct Object(JsValue);

impl Object {
    /// Parses a response body that must be a JSON object.
    pub fn parse(text: &str) -> Option<Object> {
        Object::from_value(JSON::parse(text).ok()?)
    }

    fn from_value(value: JsValue) -> Option<Object> {
        value.is_object().then_some(Object(value))
    }

    fn get(&self, key: &str) -> JsValue {
        Reflect::get(&self.0, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    }

    /// Returns the string value of a key.
    pub fn string(&self, key: &str) -> Option<String> {
        self.get(key).as_string()
    }

    /// Returns the boolean value of a key.
    pub fn boolean(&self, key: &str) -> Option<bool> {
        self.get(key).as_bool()
    }

    /// Returns the value of a key if it is a number without a fractional part.
    pub fn integer(&self, key: &str) -> Option<i64> {
        let number = self.get(key).as_f64()?;
        // JSON numbers are doubles, and the API's ids and counters stay far below 2^53.
        (number.fract() == 0.0 && number.abs() < 9_007_199_254_740_992.0).then_some(number as i64)
    }

    /// Returns the nested object of a key, or `None` for a missing key, `null` or another type.
    pub fn object(&self, key: &str) -> Option<Object> {
        Object::from_value(self.get(key))
    }

    /// Reads an array of objects, each with `read`. A missing key or `null` counts as an empty
    /// list, because the API leaves out empty lists in some bodies.
    pub fn list<T>(&self, key: &str, read: fn(&Object) -> Option<T>) -> Option<Vec<T>> {
        read_items(self.items(key)?, read)
    }

    /// Reads an array of strings. A missing key or `null` counts as an empty list.
    pub fn strings(&self, key: &str) -> Option<Vec<String>> {
        self.items(key)?
            .into_iter()
            .map(|item| item.as_string())
            .collect()
    }

    fn items(&self, key: &str) -> Option<Vec<JsValue>> {
        let value = self.get(key);
        if value.is_undefined() || value.is_null() {
            return Some(Vec::new());
        }
        array_items(value)
    }
}

/// Writes one JSON object, key by key.
pub struct Writer(String);

impl Writer {
    pub fn new() -> Writer {
        Writer(String::from("{"))
    }

    fn key(&mut self, key: &str) {
        if self.0.len() > 1 {
            self.0.push(',');
        }
        push_string(&mut self.0, key);
        self.0.push(':');
    }

    pub fn string(mut self, key: &str, value: &str) -> Writer {
        self.key(key);
        push_string(&mut self.0, value);
        self
    }

    /// Writes the string, or leaves the key out when there is none.
    pub fn optional_string(self, key: &str, value: Option<&str>) -> Writer {
        match value {
            Some(value) => self.string(key, value),
            None => self,
        }
    }

    pub fn boolean(mut self, key: &str, value: bool) -> Writer {
        self.key(key);
        self.0.push_str(if value { "true" } else { "false" });
        self
    }

    pub fn integer(mut self, key: &str, value: i64) -> Writer {
        self.key(key);
        self.0.push_str(&value.to_string());
        self
    }

    /// Writes a nested object that another [`Writer`] finished.
    pub fn object(mut self, key: &str, json: &str) -> Writer {
        self.key(key);
        self.0.push_str(json);
        self
    }

    pub fn finish(mut self) -> String {
        self.0.push('}');
        self.0
    }
}

impl Default for Writer {
    fn default() -> Writer {
        Writer::new()
    }
}

/// Appends a JSON string literal: quotes, backslashes and control characters escaped
/// (RFC 8259, section 7). Everything else, umlauts included, stays as UTF-8.
fn push_string(out: &mut String, value: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for character in value.chars() {
        match character {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            control if u32::from(control) < 0x20 => {
                let code = u32::from(control) as usize;
                out.push_str("\\u00");
                out.push(char::from(HEX[code >> 4]));
                out.push(char::from(HEX[code & 0xf]));
            }
            other => out.push(other),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writer_escapes_quotes_backslashes_and_control_characters() {
        let json = Writer::new()
            .string("name", "Max \"M\" \\ Ä\n\u{1}")
            .boolean("active", true)
            .integer("port", 587)
            .optional_string("missing", None)
            .object("nested", &Writer::new().finish())
            .finish();
        assert_eq!(
            json,
            r#"{"name":"Max \"M\" \\ Ä\n\u0001","active":true,"port":587,"nested":{}}"#
        );
    }

    #[test]
    fn written_json_is_read_back_by_serde_json() {
        let value = "tab\t, CR\r, NUL\u{0}, unit\u{1f}, «ß»";
        let json = Writer::new().string("text", value).finish();
        let parsed: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
        assert_eq!(parsed["text"], value);
    }
}
