//! Process-wide JSON escaping switches, mirroring ActiveSupport's (read at
//! every encode, as ActiveSupport does). Set from Ruby
//! (`TokenOxide::Messages.escape_html_entities_in_json = ...`). The metadata
//! envelope is chosen per verifier/encryptor when it is built (`force_legacy`).

use std::sync::atomic::{AtomicBool, Ordering};

use magnus::{function, prelude::*, Error, RModule, Ruby};
use token_oxide_core::messages::json_write::Escaping;

static ESCAPE_HTML_ENTITIES: AtomicBool = AtomicBool::new(true);
static ESCAPE_JS_SEPARATORS: AtomicBool = AtomicBool::new(true);

pub fn escaping() -> Escaping {
    Escaping {
        html_entities: ESCAPE_HTML_ENTITIES.load(Ordering::Relaxed),
        js_separators: ESCAPE_JS_SEPARATORS.load(Ordering::Relaxed),
    }
}

fn set_settings(html: bool, js_separators: bool) {
    ESCAPE_HTML_ENTITIES.store(html, Ordering::Relaxed);
    ESCAPE_JS_SEPARATORS.store(js_separators, Ordering::Relaxed);
}

pub fn define(_ruby: &Ruby, native: RModule) -> Result<(), Error> {
    native.define_singleton_method("configure_messages", function!(set_settings, 2))?;
    Ok(())
}
