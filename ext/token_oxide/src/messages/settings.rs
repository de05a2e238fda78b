//! Process-wide message settings, mirroring ActiveSupport's global switches.
//! Set from Ruby (`TokenOxide::Messages.use_message_serializer_for_metadata = ...`).

use std::sync::atomic::{AtomicBool, Ordering};

use magnus::{function, prelude::*, Error, RModule, Ruby};
use token_oxide_core::messages::json_write::Escaping;

static USE_MESSAGE_SERIALIZER_FOR_METADATA: AtomicBool = AtomicBool::new(true);
static ESCAPE_HTML_ENTITIES: AtomicBool = AtomicBool::new(true);
static ESCAPE_JS_SEPARATORS: AtomicBool = AtomicBool::new(true);

pub fn use_message_serializer_for_metadata() -> bool {
    USE_MESSAGE_SERIALIZER_FOR_METADATA.load(Ordering::Relaxed)
}

pub fn escaping() -> Escaping {
    Escaping {
        html_entities: ESCAPE_HTML_ENTITIES.load(Ordering::Relaxed),
        js_separators: ESCAPE_JS_SEPARATORS.load(Ordering::Relaxed),
    }
}

fn set_settings(modern_envelope: bool, html: bool, js_separators: bool) {
    USE_MESSAGE_SERIALIZER_FOR_METADATA.store(modern_envelope, Ordering::Relaxed);
    ESCAPE_HTML_ENTITIES.store(html, Ordering::Relaxed);
    ESCAPE_JS_SEPARATORS.store(js_separators, Ordering::Relaxed);
}

pub fn define(_ruby: &Ruby, native: RModule) -> Result<(), Error> {
    native.define_singleton_method("configure_messages", function!(set_settings, 3))?;
    Ok(())
}
