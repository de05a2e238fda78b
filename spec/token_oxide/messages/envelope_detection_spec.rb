# frozen_string_literal: true

require "spec_helper"
require "openssl"

# Payloads without a top-level "_rails" key are read straight into Ruby
# objects; anything that could spell that key (the name itself, any escape)
# still goes through the envelope check. Both must give Rails' answers.
RSpec.describe "TokenOxide::MessageVerifier envelope detection" do
  let(:verifier) { TokenOxide::MessageVerifier.new("secret", serializer: :json) }
  let(:encryptor) { TokenOxide::MessageEncryptor.new("k" * 32, cipher: "aes-256-gcm", serializer: :json) }

  def signed(json)
    data = [json].pack("m0")
    "#{data}--#{OpenSSL::HMAC.hexdigest("SHA1", "secret", data)}"
  end

  it "reads an envelope whose key is spelled with a \\u escape" do
    expect(verifier.verified(signed('{"\u005frails":{"data":{"id":5}}}'))).to eq({ "id" => 5 })
    expect(verifier.verified(signed('{"_r\u0061ils":{"data":{"id":5}}}'))).to eq({ "id" => 5 })
  end

  it "applies the purpose check of an escaped-key envelope" do
    token = signed('{"\\u005frails":{"data":1,"pur":"login"}}')
    expect(verifier.verified(token)).to be_nil
    expect(verifier.verified(token, purpose: :login)).to eq(1)
  end

  it "returns plain values that mention _rails only inside strings or nested objects" do
    expect(verifier.verified(signed('{"note":"_rails"}'))).to eq({ "note" => "_rails" })
    expect(verifier.verified(signed('{"x":{"_rails":{"data":1}}}'))).to eq({ "x" => { "_rails" => { "data" => 1 } } })
    expect(verifier.verified(signed('{"a":"line\\nbreak","b":[1,2.5,null,true]}')))
      .to eq({ "a" => "line\nbreak", "b" => [1, 2.5, nil, true] })
  end

  it "answers missing metadata (nil) for a plain value read with a purpose" do
    expect(verifier.verified(signed('{"id":1}'), purpose: :login)).to be_nil
    expect(verifier.verified(signed('{"id":1}'))).to eq({ "id" => 1 })
  end

  it "decrypts plain and enveloped GCM messages the same way" do
    value = { "user_id" => 42, "email" => "alice@example.com", "keys" => { "k\u00e9y" => "v" } }
    expect(encryptor.decrypt_and_verify(encryptor.encrypt_and_sign(value))).to eq(value)
    token = encryptor.encrypt_and_sign(value, purpose: :login)
    expect(encryptor.decrypt_and_verify(token, purpose: :login)).to eq(value)
    expect(encryptor.decrypt_and_verify(token)).to be_nil
  end
end
