#!/usr/bin/env cwl-runner
# duet phewas: variants or a score x every phecode of the store (see
# duet-phewas(1)).  Give one of variant, variants, region or score.
cwlVersion: v1.2
class: CommandLineTool
baseCommand: [duet, phewas]
inputs:
  vcf:
    type: File?
    secondaryFiles: [{pattern: .csi, required: false}, {pattern: .tbi, required: false}]
    inputBinding: {prefix: --vcf}
  variant: {type: string?, inputBinding: {prefix: --variant}, doc: "ID[,ID...]"}
  variants: {type: File?, inputBinding: {prefix: --variants}}
  region: {type: string?, inputBinding: {prefix: --region}}
  score: {type: string?, inputBinding: {prefix: --score}, doc: "FILE:COLUMN (a path the tool can read)"}
  db: {type: File?, inputBinding: {prefix: --db}}
  pheno: {type: File?, inputBinding: {prefix: --pheno}}
  covar: {type: File?, inputBinding: {prefix: --covar}}
  threads: {type: int, default: 1, inputBinding: {prefix: --threads}}
  prefix: {type: string, default: phewas, inputBinding: {prefix: -o}}
outputs:
  results: {type: File, outputBinding: {glob: "$(inputs.prefix).phewas.tsv.gz"}}
  log: {type: File, outputBinding: {glob: "$(inputs.prefix).log"}}
