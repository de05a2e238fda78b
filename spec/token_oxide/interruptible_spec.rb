# frozen_string_literal: true

require "spec_helper"
require "openssl"
require "open3"
require "rbconfig"
require "timeout"

# PBKDF2 and large digests run without the GVL, yet Timeout, Thread#raise and
# signals still stop them: Ruby's unblocking function sets a flag the Rust
# loop checks every 1024 rounds (digests: every MiB), the pending interrupt
# runs once the GVL is back, and a handler that returns lets the work go on.
RSpec.describe "Interruptible native work" do
  let(:huge) { 10_000_000 } # the most iterations accepted: seconds of work per block

  def elapsed
    start = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    yield
  ensure
    @elapsed = Process.clock_gettime(Process::CLOCK_MONOTONIC) - start
  end

  describe "the iteration bound" do
    it "accepts 10,000,000 and refuses more with an ArgumentError naming the bound" do
      message = "iterations must be at most 10000000 (Rails uses 1000 and 2**16)"
      expect { TokenOxide::Native.pbkdf2_hmac("s", "salt", huge + 1, 32, "SHA256") }.to raise_error(ArgumentError, message)
      expect { TokenOxide::Native::KeyGenerator.new("s", 2**32 - 1, "SHA1") }.to raise_error(ArgumentError, message)
      expect { TokenOxide::KeyGenerator.new("s", iterations: 2**32 - 1) }.to raise_error(ArgumentError, message)
      expect(TokenOxide::Native::KeyGenerator.new("s", huge, "SHA256").iterations).to eq(huge)
    end

    it "what Rails uses (1000 and 2**16) still equals OpenSSL" do
      [1000, 2**16].each do |iterations|
        ours = TokenOxide::KeyGenerator.new("secret", iterations: iterations, hash_digest_class: OpenSSL::Digest::SHA256)
        expect(ours.generate_key("salt", 64)).to eq(OpenSSL::PKCS5.pbkdf2_hmac("secret", "salt", iterations, 64, "SHA256"))
      end
    end
  end

  describe "Timeout.timeout" do
    it "fires during a huge PBKDF2 (one-shot and KeyGenerator), promptly" do
      generator = TokenOxide::KeyGenerator.new("secret", iterations: huge, hash_digest_class: OpenSSL::Digest::SHA256)
      [-> { TokenOxide::Native.pbkdf2_hmac("s", "salt", huge, 64, "SHA512") },
       -> { generator.generate_key("salt") }].each do |work|
        elapsed { expect { Timeout.timeout(0.2) { work.call } }.to raise_error(Timeout::Error) }
        expect(@elapsed).to be < 1.0 # the full derivation takes several seconds
      end
    end

    it "fires during a digest of a large String (GVL released, hashed a MiB at a time)" do
      data = "x" * (128 * 1024 * 1024)
      full = elapsed { TokenOxide::Digest.hmac_hexdigest("SHA256", "k", data) } && @elapsed
      elapsed { expect { Timeout.timeout(0.01) { TokenOxide::Digest.hmac_hexdigest("SHA256", "k", data) } }.to raise_error(Timeout::Error) }
      # Both include the copy of the input, made with the GVL held; what
      # stops early is the hashing (about 1 s of the full time here).
      expect(@elapsed).to be < full * 0.8
      expect(TokenOxide::Digest.sha256_hexdigest(data)).to eq(OpenSSL::Digest::SHA256.hexdigest(data))
    end

    it "deferred with Thread.handle_interrupt, the work completes and the timeout is raised after it" do
      result = nil
      expect do
        Timeout.timeout(0.01) do
          Thread.handle_interrupt(Object => :never) do # timeout 0.4 raises its own ExitException class
            result = TokenOxide::Native.pbkdf2_hmac("s", "salt", 200_000, 32, "SHA256")
          end
        end
      end.to raise_error(Timeout::Error)
      expect(result).to eq(OpenSSL::PKCS5.pbkdf2_hmac("s", "salt", 200_000, 32, "SHA256"))
    end
  end

  it "Thread#raise reaches a thread deriving a key" do
    thread = Thread.new do
      Thread.current.report_on_exception = false
      TokenOxide::Native.pbkdf2_hmac("s", "salt", huge, 64, "SHA1")
    end
    sleep 0.2
    elapsed do
      thread.raise(ArgumentError, "stop")
      expect { thread.value }.to raise_error(ArgumentError, "stop")
    end
    expect(@elapsed).to be < 1.0
  end

  it "a signal handler that returns lets the derivation finish with the right key" do
    calls = 0
    previous = Signal.trap("USR2") { calls += 1 }
    sender = Thread.new { 4.times { sleep 0.03; Process.kill("USR2", Process.pid) } }
    key = TokenOxide::Native.pbkdf2_hmac("s", "salt", 400_000, 40, "SHA256")
    sender.join
    expect(calls).to eq(4)
    expect(key).to eq(OpenSSL::PKCS5.pbkdf2_hmac("s", "salt", 400_000, 40, "SHA256"))
  ensure
    Signal.trap("USR2", previous || "DEFAULT")
  end

  describe "SIGTERM to a process deriving a huge key" do
    def start_child(trap_line)
      script = <<~RUBY
        $stdout.sync = true
        require "token_oxide"
        #{trap_line}
        puts "deriving"
        TokenOxide::Native.pbkdf2_hmac("s", "salt", #{huge}, 64, "SHA256")
        puts "finished"
      RUBY
      Open3.popen2(RbConfig.ruby, "-I", File.expand_path("../../lib", __dir__), "-e", script)
    end

    def terminate(stdin, stdout, wait)
      stdin.close
      expect(stdout.gets).to eq("deriving\n")
      sleep 0.2
      elapsed do
        Process.kill("TERM", wait.pid)
        expect(wait.join(5)).not_to be_nil, "the child ignored SIGTERM"
      end
      expect(@elapsed).to be < 1.0
      [stdout.read, wait.value]
    ensure
      Process.kill("KILL", wait.pid) if wait.alive?
    end

    it "runs the trap handler at once" do
      output, status = terminate(*start_child('Signal.trap("TERM") { puts "trapped"; exit!(7) }'))
      expect(output).to eq("trapped\n")
      expect(status.exitstatus).to eq(7)
    end

    it "without a trap, ends the process by SIGTERM" do
      output, status = terminate(*start_child(""))
      expect(output).to eq("")
      expect(status.termsig).to eq(Signal.list["TERM"])
    end
  end
end
