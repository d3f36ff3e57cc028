# Build and check the Lambda deployment; see deploy/README.md.
UV_RUN = cd lambda && UV_PYTHON_DOWNLOADS=never python3 -m uv run --locked

.PHONY: package lint-template

# dist/dapanoskop-lambda.zip, the CodeUri of deploy/template.yaml
package:
	$(UV_RUN) python ../deploy/package.py

lint-template:
	$(UV_RUN) cfn-lint ../deploy/template.yaml
