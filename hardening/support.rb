# frozen_string_literal: true

# Shared measuring code for the hardening checks. The short specs in
# spec/hardening/ and the full runs in `rake hardening` call the same
# functions with different counts, so both test the same thing.

$LOAD_PATH.unshift(File.expand_path("../lib", __dir__))
require "token_oxide"
require "set"
require "openssl"

module TokenOxideHardening
  module_function

  BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
  FRIENDLY = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz123456789-_"

  # ---- randomness -----------------------------------------------------

  # Pearson's chi-square statistic of the symbol counts of +text+ against
  # the uniform distribution over +alphabet+ (ASCII).
  def chi_square(text, alphabet)
    expected = text.bytesize.fdiv(alphabet.bytesize)
    alphabet.each_char.sum { |c| (text.count(c) - expected)**2 / expected }
  end

  # Chi-square of non-overlapping symbol pairs against uniform over all
  # alphabet² pairs: catches a symbol depending on its neighbour.
  def pair_chi_square(text, alphabet)
    pairs = text.unpack("S*").tally # two ASCII bytes -> one 16-bit key
    cells = alphabet.bytesize**2
    expected = (text.bytesize / 2).fdiv(cells)
    seen = pairs.sum { |_, n| (n - expected)**2 / expected }
    seen + (cells - pairs.size) * expected # cells never drawn
  end

  # Chi-square results for +chars+ base58 characters (generated as 24-char
  # tokens, the has_secure_token shape) and as many friendly_token characters
  # (20-char tokens).
  def randomness(chars)
    base58 = Array.new((chars + 23) / 24) { TokenOxide.base58 }.join
    friendly = Array.new((chars + 19) / 20) { TokenOxide.friendly_token }.join
    [["base58", base58, BASE58], ["friendly_token", friendly, FRIENDLY]].map do |name, text, alphabet|
      dof = alphabet.size - 1
      stat = chi_square(text, alphabet)
      pair_dof = alphabet.size**2 - 1
      pair = pair_chi_square(text, alphabet)
      only_alphabet = text.count(alphabet.gsub("-", "\\-")) == text.size
      { name: name, characters: text.size, only_alphabet: only_alphabet, chi_square: stat.round(2), dof: dof,
        p: chi_square_p(stat, dof), pair_chi_square: pair.round(1), pair_dof: pair_dof, pair_p: chi_square_p(pair, pair_dof) }
    end
  end

  # The same statistic for a deliberately biased generator (byte % 58, the
  # classic modulo-bias mistake), to show the test can see a real defect.
  def biased_control(chars)
    text = OpenSSL::Random.random_bytes(chars).bytes.map { |b| BASE58.getbyte(b % 58) }.pack("C*")
    stat = chi_square(text, BASE58)
    { name: "control: byte % 58", characters: chars, chi_square: stat.round(1), dof: 57, p: chi_square_p(stat, 57) }
  end

  # Upper-tail p-value of a chi-square statistic (Wilson-Hilferty normal
  # approximation, accurate to a few digits for dof above ~30).
  def chi_square_p(stat, dof)
    z = ((stat / dof)**(1.0 / 3) - (1 - 2.0 / (9 * dof))) / Math.sqrt(2.0 / (9 * dof))
    0.5 * Math.erfc(z / Math.sqrt(2))
  end

  # ---- fork -------------------------------------------------------------

  # Forks +children+ processes (at most +parallel+ alive at once); each
  # draws +per_child+ base58 and friendly tokens and sends them back. The
  # parent draws as many after every fork. Returns a summary Hash.
  def fork_tokens(children:, per_child:, parallel: 16)
    TokenOxide.base58 # warm the parent's generator: children inherit its state
    seen = Set.new
    total = 0
    duplicates = 0
    failed = 0
    add = lambda do |token|
      total += 1
      duplicates += 1 unless seen.add?(token)
    end
    running = []
    reap = lambda do
      pid, reader = running.shift
      lines = reader.read.split("\n")
      reader.close
      _, status = Process.wait2(pid)
      failed += 1 unless status.success? && lines.size == per_child * 2
      lines.each(&add)
    end
    children.times do
      reader, writer = IO.pipe
      pid = fork do
        reader.close
        tokens = Array.new(per_child) { TokenOxide.base58 } + Array.new(per_child) { TokenOxide.friendly_token }
        writer.write(tokens.join("\n"))
        writer.close
        exit!(0)
      end
      writer.close
      running << [pid, reader]
      per_child.times { add.call(TokenOxide.base58) }
      reap.call while running.size >= parallel
    end
    reap.call until running.empty?
    { children: children, tokens: total, distinct: seen.size, duplicates: duplicates, failed_children: failed }
  end

  # ---- threads ----------------------------------------------------------

  # The mixed operations one thread runs: each returns true when its result
  # is correct (checked against OpenSSL/ActiveSupport or by round trip).
  # Operations of classes that exist only once other branches land are added
  # when those classes are defined.
  def mixed_operations
    key = OpenSSL::Random.random_bytes(32)
    secret = OpenSSL::Random.random_bytes(64)
    ops = {
      base58: -> { TokenOxide.base58.match?(/\A[#{BASE58}]{24}\z/o) },
      friendly_token: -> { TokenOxide.friendly_token.match?(/\A[#{Regexp.escape(FRIENDLY)}]{20}\z/o) },
      random_bytes: -> { TokenOxide.random_bytes(16).bytesize == 16 },
      compare_equal: lambda {
        a = TokenOxide.base58(32)
        TokenOxide.secure_compare(a, a.dup) && TokenOxide.fixed_length_secure_compare(a, a.dup)
      },
      compare_different: lambda {
        a = TokenOxide.base58(32)
        b = a.dup
        b.setbyte(31, b.getbyte(31) ^ 1)
        !TokenOxide.secure_compare(a, b) && !TokenOxide.fixed_length_secure_compare(a, b)
      },
      hmac_verify: lambda {
        data = TokenOxide.base58(40)
        TokenOxide::Digest.hmac_sha256_hexdigest(key, data) == OpenSSL::HMAC.hexdigest("SHA256", key, data)
      },
      digest: lambda {
        data = TokenOxide.random_bytes(24)
        TokenOxide::Digest.sha256_base64digest(data) == [OpenSSL::Digest::SHA256.digest(data)].pack("m0")
      }
    }
    if defined?(TokenOxide::KeyGenerator)
      # PBKDF2 runs with the GVL released: other threads run meanwhile.
      generator = TokenOxide::KeyGenerator.new(secret, iterations: 20, hash_digest_class: OpenSSL::Digest::SHA256)
      ops[:key_generator] = lambda {
        salt = TokenOxide.base58(12)
        generator.generate_key(salt, 32) == OpenSSL::PKCS5.pbkdf2_hmac(secret, salt, 20, 32, "sha256")
      }
    end
    if defined?(TokenOxide::Native.aes256_gcm_encrypt)
      ops[:aes_gcm] = lambda {
        iv = TokenOxide.random_bytes(12)
        plain = TokenOxide.base58(30)
        ciphertext, tag = TokenOxide::Native.aes256_gcm_encrypt(key, iv, "aad", plain)
        forged = tag.dup
        forged.setbyte(0, forged.getbyte(0) ^ 1)
        TokenOxide::Native.aes256_gcm_decrypt(key, iv, "aad", ciphertext, tag) == plain &&
          TokenOxide::Native.aes256_gcm_decrypt(key, iv, "aad", ciphertext, forged).nil?
      }
    end
    if defined?(TokenOxide::Native::TokenCipher)
      token_cipher = TokenOxide::Native::TokenCipher.new(key, secret, secret, true)
      ops[:token_cipher] = lambda {
        token = TokenOxide.base58(20)
        token_cipher.decrypt(token_cipher.encrypt(token)) == token &&
          token_cipher.decrypt(token_cipher.encrypt_gitlab(token)) == token
      }
    end
    if defined?(TokenOxide::MessageVerifier)
      verifier = TokenOxide::MessageVerifier.new(secret)
      ops[:verify] = lambda {
        value = { "id" => rand(1 << 40), "t" => TokenOxide.base58(8) }
        message = verifier.generate(value)
        verifier.verified(message) == value && verifier.verified(message.sub(/.\z/) { |c| c == "a" ? "b" : "a" }).nil?
      }
    end
    if defined?(TokenOxide::MessageEncryptor)
      encryptor = TokenOxide::MessageEncryptor.new(secret.byteslice(0, 32))
      ops[:encrypt] = lambda {
        value = TokenOxide.base58(20)
        encryptor.decrypt_and_verify(encryptor.encrypt_and_sign(value)) == value
      }
    end
    ops
  end

  # +threads+ threads each run +iterations+ operations picked round-robin
  # from mixed_operations. Returns counts of runs and wrong results by
  # operation; exceptions count as wrong and are collected.
  def thread_mix(threads:, iterations:)
    ops = mixed_operations.to_a
    results = Array.new(threads) do |t|
      Thread.new do
        wrong = Hash.new(0)
        errors = []
        iterations.times do |i|
          name, op = ops[(i + t) % ops.size]
          begin
            wrong[name] += 1 unless op.call
          rescue StandardError => e
            wrong[name] += 1
            errors << "#{name}: #{e.class}: #{e.message}" if errors.size < 5
          end
        end
        [wrong, errors]
      end
    end.map(&:value)
    wrong = results.map(&:first).inject { |a, b| a.merge(b) { |_, x, y| x + y } }
    { threads: threads, operations: threads * iterations, kinds: ops.map(&:first),
      wrong: wrong.select { |_, v| v.positive? }, errors: results.flat_map(&:last).first(5) }
  end

  # Runs the block with GC.stress on (every allocation triggers a GC).
  def under_gc_stress
    previous = GC.stress
    GC.stress = true
    yield
  ensure
    GC.stress = previous
  end

  # ---- memory -----------------------------------------------------------

  def rss_kb
    File.read("/proc/self/status")[/^VmRSS:\s+(\d+)/, 1].to_i
  end

  # The generate+verify calls of the leak check: only the gem's own
  # functions (no OpenSSL in the loop), each returning true when correct.
  def leak_operations
    key = OpenSSL::Random.random_bytes(32)
    data = "user-42--#{TokenOxide.base58}"
    signature = OpenSSL::HMAC.hexdigest("SHA256", key, data)
    ops = [
      -> { TokenOxide.base58.bytesize == 24 },
      -> { TokenOxide.secure_compare(TokenOxide::Digest.hmac_sha256_hexdigest(key, data), signature) }
    ]
    if defined?(TokenOxide::Native::TokenCipher)
      token_cipher = TokenOxide::Native::TokenCipher.new(key, key, key, true)
      ops << -> { token_cipher.decrypt(token_cipher.encrypt(data)) == data }
    end
    if defined?(TokenOxide::KeyGenerator)
      generator = TokenOxide::KeyGenerator.new(key, iterations: 1, hash_digest_class: OpenSSL::Digest::SHA256)
      ops << -> { generator.generate_key(data, 32).bytesize == 32 }
    end
    if defined?(TokenOxide::MessageVerifier)
      verifier = TokenOxide::MessageVerifier.new(key)
      ops << -> { verifier.verified(verifier.generate(data)) == data }
    end
    if defined?(TokenOxide::MessageEncryptor)
      encryptor = TokenOxide::MessageEncryptor.new(key)
      ops << -> { encryptor.decrypt_and_verify(encryptor.encrypt_and_sign(data)) == data }
    end
    ops
  end

  # Runs +calls+ generate+verify operations after +warmup+ of them and
  # returns RSS (KiB) after the warm-up and at the end.
  def rss_over(calls:, warmup:)
    ops = leak_operations
    run = ->(n) { n.times { |i| ops[i % ops.size].call || raise("wrong result") } }
    run.call(warmup)
    GC.start
    before = rss_kb
    run.call(calls)
    GC.start
    after = rss_kb
    { calls: calls, operations: ops.size, rss_before_kb: before, rss_after_kb: after, growth_kb: after - before }
  end

  # ---- timing -----------------------------------------------------------

  # Welch's t-statistic between two samples.
  def welch_t(a, b)
    ma = a.sum.fdiv(a.size)
    mb = b.sum.fdiv(b.size)
    va = a.sum { |x| (x - ma)**2 } / (a.size - 1)
    vb = b.sum { |x| (x - mb)**2 } / (b.size - 1)
    (ma - mb) / Math.sqrt(va / a.size + vb / b.size)
  end
end
