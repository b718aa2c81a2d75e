#!/usr/bin/env bash
# Compiles schemas/openapi.yaml (the API's contract) into the binary, so `GET /api/v1/openapi.yaml`
# serves the document the server was built with. OpenAPIContractTests fails when they differ.
set -euo pipefail
cd "$(dirname "$0")/.."
{
    echo '/// The API'"'"'s contract, `schemas/openapi.yaml`, compiled in (`scripts/embed-openapi.sh` writes'
    echo '/// this file; a test checks that it matches): `GET /api/v1/openapi.yaml` serves it.'
    echo 'enum OpenAPIDocument {'
    echo '    static let yaml = ##"""'
    sed 's/^/        /; s/^ *$//' schemas/openapi.yaml
    echo ''
    echo '        """##'
    echo '}'
} > Sources/CharterAPI/OpenAPIDocument.swift
