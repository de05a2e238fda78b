# frozen_string_literal: true

require "openssl"
require "base64"
require "digest"

# GitLab's token storage algorithms written out with Ruby's OpenSSL, to make
# GitLab-format values in the specs independently of the gem
# (Gitlab::CryptoHelper, Authn::TokenField::EncryptionHelper,
# Gitlab::Utils.ensure_utf8_size, Encryptor 3.0's GCM layout).
module GitlabReference
  module_function

  def ensure_utf8_size(str, bytes)
    truncated = str.each_char.each_with_object(+"") do |char, out|
      break out if out.bytesize + char.bytesize > bytes

      out << char
    end
    truncated + ("0" * (bytes - truncated.bytesize))
  end

  # Encryptor.encrypt(algorithm: "aes-256-gcm", ...) = ciphertext || tag, empty AAD.
  def gcm_encrypt(value, key, iv)
    cipher = OpenSSL::Cipher.new("aes-256-gcm").encrypt
    cipher.key = key
    cipher.iv = iv
    cipher.auth_data = ""
    out = cipher.update(value) + cipher.final
    out << cipher.auth_tag
  end

  def gcm_decrypt(data, key, iv)
    cipher = OpenSSL::Cipher.new("aes-256-gcm").decrypt
    cipher.key = key
    cipher.iv = iv
    cipher.auth_tag = data[-16..]
    cipher.auth_data = ""
    cipher.update(data[0...-16]) + cipher.final
  end

  def key(db_key_base)
    ensure_utf8_size(db_key_base, 32)
  end

  # EncryptionHelper.encrypt_token: "|" + strict_base64(ct||tag) + iv12.
  def encrypt_dynamic(token, db_key_base)
    iv = Digest::SHA256.hexdigest(token).bytes.take(12).pack("c*")
    "|#{Base64.strict_encode64(gcm_encrypt(token, key(db_key_base), iv))}#{iv}"
  end

  # CryptoHelper.aes256_gcm_encrypt(token) with the static IV; older rows were
  # written with Base64.encode64 (line breaks).
  def encrypt_static(token, db_key_base, line_breaks: false)
    data = gcm_encrypt(token, key(db_key_base), ensure_utf8_size(db_key_base, 12))
    line_breaks ? Base64.encode64(data) : Base64.strict_encode64(data)
  end

  # EncryptionHelper.decrypt_token.
  def decrypt(value, db_key_base)
    if value.start_with?("|") && value.size > 13
      gcm_decrypt(Base64.decode64(value[1...-12]), key(db_key_base), value[-12..])
    else
      gcm_decrypt(Base64.decode64(value), key(db_key_base), ensure_utf8_size(db_key_base, 12))
    end
  end

  # CryptoHelper.sha256 with the truncated db_key_base as salt.
  def digest(token, db_key_base)
    Digest::SHA256.base64digest("#{token}#{db_key_base[0..31]}")
  end
end
