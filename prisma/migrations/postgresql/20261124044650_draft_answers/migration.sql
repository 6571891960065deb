-- AlterTable
ALTER TABLE "Draft" ADD COLUMN     "answersId" INTEGER;
