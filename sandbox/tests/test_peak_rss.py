"""The peak-RSS helper measures the program's own memory, not the test process's it was forked from."""

from sandbox.peak_rss import run_python_measuring_peak_rss


def test_a_program_holding_200_mb_reports_it_and_its_exit_code(tmp_path):
    script = tmp_path / "hold.py"
    script.write_text("import sys\nblock = bytearray(200 * 1024 * 1024)\nsys.exit(3)\n")
    with (tmp_path / "out").open("wb") as out:
        measured = run_python_measuring_peak_rss([str(script)], cwd=tmp_path, stdout=out)
    assert measured.exit_code == 3 and 200 <= measured.peak_mb < 260


def test_the_forking_test_process_memory_is_not_counted(tmp_path):
    ballast = b"x" * (300 * 1024 * 1024)  # resident: the test process is large, as after a long suite
    script = tmp_path / "small.py"
    script.write_text("print('hello')\n")
    with (tmp_path / "out").open("wb") as out:
        measured = run_python_measuring_peak_rss([str(script)], cwd=tmp_path, stdout=out)
    assert len(ballast) and measured.exit_code == 0 and measured.peak_mb < 100
    assert (tmp_path / "out").read_text() == "hello\n"
