"""da_tutorial.machine: the CPU and BLAS threads metrics.json and the
benchmarks record, read from /proc/cpuinfo (here a file written by hand)
and checked against lscpu."""
import shutil
import subprocess

import pytest

from da_tutorial import machine

XEON = """processor\t: 0
vendor_id\t: GenuineIntel
model name\t: Intel(R) Xeon(R) Platinum 8488C
flags\t\t: fpu sse4_2 avx avx2 fma avx512f avx512bw avx512vl avx512_bf16 amx_tile

processor\t: 1
model name\t: Intel(R) Xeon(R) Platinum 8488C
flags\t\t: fpu
"""


def test_an_intel_cpu_with_avx512(tmp_path):
    path = tmp_path / 'cpuinfo'
    path.write_text(XEON)
    c = machine.cpu(str(path))
    assert c['model'] == 'Intel(R) Xeon(R) Platinum 8488C'
    assert c['vendor'] == 'GenuineIntel'
    assert c['vector'] == ['sse4_2', 'avx', 'avx2', 'fma', 'avx512f',
                           'avx512bw', 'avx512vl', 'avx512_bf16', 'amx_tile']
    assert c['cores'] >= 1


def test_no_cpuinfo_is_no_error(tmp_path):
    c = machine.cpu(str(tmp_path / 'missing'))
    assert c['vector'] == [] and isinstance(c['model'], str)
    assert c['vendor'] == ''


def test_the_threads_the_user_set_are_named():
    assert machine.blas_threads({'OMP_NUM_THREADS': '3'}) == \
        'OMP_NUM_THREADS=3'
    assert machine.blas_threads({'OPENBLAS_NUM_THREADS': '1',
                                 'OMP_NUM_THREADS': '3'}) == \
        'OPENBLAS_NUM_THREADS=1'
    assert machine.blas_threads({}).startswith('its default (')


@pytest.mark.skipif(shutil.which('lscpu') is None, reason='no lscpu here')
def test_this_cpu_as_lscpu_names_it():
    out = subprocess.run(['lscpu'], capture_output=True, text=True,
                         env={'LC_ALL': 'C', 'PATH': '/usr/bin:/bin'}).stdout
    fields = dict(line.split(':', 1) for line in out.splitlines()
                  if ':' in line)
    c = machine.cpu()
    assert c['model'] == fields['Model name'].strip()
    assert c['vendor'] == fields['Vendor ID'].strip()
    flags = fields.get('Flags', '').split()
    assert c['vector'] == [f for f in machine.VECTOR_FLAGS if f in flags]
