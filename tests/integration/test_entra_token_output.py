# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The entra_token lookup's token never shows in a play's output unless the play prints it.

A small play gets a token once, calls Azure DevOps with it as the documented examples do (no_log on the
tasks that carry it), and hands the token to this test through a private file. A control run that prints the
token proves the search would see a leak.
"""

from __future__ import annotations

import os
import subprocess
import sys

PLAY = """- hosts: localhost
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
    emulator: "{{ lookup('ansible.builtin.file', emulator_info) | from_json }}"
  tasks:
    - name: Get a token
      ansible.builtin.set_fact:
        token: "{{ lookup('azdo.identity.entra_token', auth_source='credential', client_id=emulator.client_id,
                   secret=emulator.client_secret, tenant=emulator.tenant_id, cloud_environment=emulator.base_url,
                   ca_path=emulator.ca_path) }}"
      no_log: true

    - name: Call Azure DevOps with it
      ansible.builtin.uri:
        url: "{{ emulator.organization_url }}/_apis/projects?api-version=7.1"
        ca_path: "{{ emulator.ca_path }}"
        headers:
          Authorization: "Bearer {{ token }}"
      register: projects
      no_log: true

    - name: Show what came back
      ansible.builtin.debug:
        msg: "{{ projects.json.value | map(attribute='name') | list }}"

    - name: Hand the token to the test
      ansible.builtin.copy:
        content: "{{ token }}"
        dest: "{{ token_file }}"
        mode: "0600"
      no_log: true

    - name: Print it (control run only)
      ansible.builtin.debug:
        msg: "{{ token }}"
      when: leak | bool
"""


def run(emulator, ansible_env, tmp_path, leak, verbose):
    play = tmp_path / "play.yml"
    play.write_text(PLAY)
    info = tmp_path / "emulator.json"
    info.write_text(__import__("json").dumps(emulator))
    token_file = tmp_path / ("token-%s-%s" % (leak, verbose))
    cmd = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,", str(play),
           "-e", "emulator_info=%s" % info, "-e", "token_file=%s" % token_file, "-e", "leak=%s" % leak]
    if verbose:
        cmd.append("-vv")
    done = subprocess.run(cmd, env=ansible_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout[-4000:]
    token = token_file.read_text()
    assert token.startswith("eyJ") and token.count(".") == 2
    return token, done.stdout


def test_the_token_is_not_in_the_output(emulator, ansible_env, tmp_path):
    for verbose in (False, True):
        token, output = run(emulator, ansible_env, tmp_path, leak=False, verbose=verbose)
        assert emulator["project_name"] in output  # the call worked and its result is shown
        assert token not in output
        assert token.split(".")[1] not in output  # not even the claims part
        assert "eyJ" not in output


def test_the_search_sees_a_printed_token(emulator, ansible_env, tmp_path):
    token, output = run(emulator, ansible_env, tmp_path, leak=True, verbose=False)
    assert token in output
