import pytest

from voiceroute.security.targets import unsafe_target_reason


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/voice",
        "https://[::1]/voice",
        "http://10.1.2.3/",
        "http://172.16.0.9/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fe80::1]/",
        "http://[fd00::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://localhost:8080/",
        "http://api.localhost/",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://metadata/",
        "http://printer.local/",
        "http://2130706433/",
        "http://0x7f.1/",
        "http://0177.0.0.1/",
        "http://127.1/",
    ],
)
def test_targets_inside_the_platform_network_are_refused(url):
    assert unsafe_target_reason(url) is not None


@pytest.mark.parametrize(
    "url",
    [
        "https://domain.com",
        "https://hooks.example.com:8443/voice?x=1",
        "wss://192.67.88.2",
        "https://8.8.8.8/",
        "https://[2001:4860:4860::8888]/",
        "https://1e100.net/",
        "https://0x7f.example.com/",
    ],
)
def test_public_targets_pass(url):
    assert unsafe_target_reason(url) is None
